override: ; @echo o
