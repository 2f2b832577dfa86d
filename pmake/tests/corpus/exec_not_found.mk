all:
	nosuchcommand_xyz arg
