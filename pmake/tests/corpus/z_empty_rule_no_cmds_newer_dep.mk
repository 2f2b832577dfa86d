# files: t@5 d@10
t: d
