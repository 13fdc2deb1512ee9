/*
 * cli: what every command of the newswatch tool shares. newswatch.c strips the
 * global options (-c FILE, --db FILE; before or after the command) and calls the
 * command's function with the rest of the arguments, argv[0] being the command
 * name. Each command lives in src/cmd_<name>.c. Exit statuses per DESIGN.md:
 * 0 done or found, 1 nothing found or partial failure, 2 usage/config/input error.
 */
#ifndef NW_CLI_H
#define NW_CLI_H

#define CLI_OK		0
#define CLI_NOTHING	1
#define CLI_ERROR	2

struct cli {
	const char	*conf_path;	/* -c, or the default */
	int		 conf_given;	/* -c was on the command line */
	const char	*db_path;	/* --db, or NULL: state_dir/newswatch.db */
};

struct cli_cmd {
	const char	*name;
	int		(*exec)(struct cli *, int, char **);
	const char	*usage;		/* arguments after the name */
	const char	*help;		/* one line */
};

/* Print "usage: newswatch NAME USAGE" for a command to stderr; return CLI_ERROR. */
int	cli_usage(const char *name);

#endif
