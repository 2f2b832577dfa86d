all:
	nosuchcommand_xyz arg; true
