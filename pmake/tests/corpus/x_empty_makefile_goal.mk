# args: foo
