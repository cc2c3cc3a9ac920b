# shellcheck shell=bash
# /etc/breakfix-marks.bash - shell-integration marks for breakfix.
#
# Sourced by /etc/bash.bashrc (see images/debian-12/build.sh). Makes every
# interactive bash print escape sequences that terminals draw nothing for,
# from which breakfix's SSH gateway logs the commands typed, when they ran
# and how they ended (docs/recording-format.md, "The commands log"):
#
#   before each prompt   ESC ] 133 ; D ; STATUS BEL   if a command ran since
#                                                     the last prompt
#                        ESC ] 133 ; A BEL
#   before a command     ESC ] 133 ; C BEL
#                        ESC ] 7701 ; cmd ; BASE64 BEL
#
# STATUS is $? of the command line; BASE64 encodes the line as history
# holds it (the newest entry, number stripped) and one newline.
#
# Limits: the text is the newest history entry, so it is stale when the
# line was not saved: a leading space under HISTCONTROL=ignorespace or
# ignoreboth (Debian's default ~/.bashrc), HISTIGNORE, set +o history,
# history -d. The previous command is then logged again. (ignoredups is
# harmless: the line was the same.) Lines over 12000 characters are cut.
# The candidate can print these sequences too: the log says what the
# shell, or anything else in the session, claimed; the recording is the
# evidence.
#
# The shell's EXIT trap is set here too (see __breakfix_exit); a user's
# own trap on EXIT replaces it, and then a command that ends its shell
# (exit, exec) is logged as unfinished.
#
# Cost per command line (the VM may run under TCG): PS0 forks once for
# its command substitution, which forks once more for history's output and
# then execs base64. The prompt side forks nothing.

case $- in *i*) ;; *) return ;; esac
[ -n "${BASH_VERSION-}" ] || return
[ -z "${__breakfix_marks-}" ] || return		# once per shell; not exported
__breakfix_marks=1

# Set once a command line starts (from PS0, in this shell: an arithmetic
# offset in ${__breakfix_nil:...} is evaluated here, not in a subshell),
# so a prompt after an empty line or ^C reports no status, and a nested
# shell's first prompt does not end the command that started it.
__breakfix_ran=0
__breakfix_nil=

# Prompts and their marks go to stderr, as bash's own prompts do.
__breakfix_prompt() {
	local s=$?

	if [ "$__breakfix_ran" = 1 ]; then
		__breakfix_ran=0
		printf '\033]133;D;%s\007\033]133;A\007' "$s" >&2
	else
		printf '\033]133;A\007' >&2
	fi
	return "$s"
}

# A shell that exits in the middle of a command line (exit, or the end of
# a nested shell) ends that command, so the outer shell's next status is
# not taken for it. A trap the user sets on EXIT replaces this one.
__breakfix_exit() {
	local s=$?

	[ "$__breakfix_ran" = 1 ] && printf '\033]133;D;%s\007' "$s" >&2
	return "$s"
}
trap __breakfix_exit EXIT

# Runs in PS0's subshell: the newest history line, base64 without wrapping.
__breakfix_cmd() {
	local l

	l=$(HISTTIMEFORMAT='' builtin history 1)
	l=${l#"${l%%[! ]*}"}		# "  123* cmd": the blanks,
	l=${l#"${l%%[!0-9]*}"}		# the number,
	l=${l:2}			# '*' or ' ', and a space
	[ "${#l}" -le 12000 ] || l=${l:0:12000}
	exec base64 -w0 <<<"$l"
}

# Hooks, in front of any already there (the rest of PROMPT_COMMAND sees
# the command's $? still), unless they are there already: PS0 or
# PROMPT_COMMAND exported by an outer shell.
# shellcheck disable=SC2016	# expanded at each prompt, not now
case ${PS0-} in
*__breakfix_cmd*) ;;
*) PS0='${__breakfix_nil:__breakfix_ran=1:0}'$'\033]133;C\a\033]7701;cmd;$(__breakfix_cmd)\a'"${PS0-}" ;;
esac
# shellcheck disable=SC2128,SC2178	# a string, or since bash 5.1 an array
case "${PROMPT_COMMAND[*]-}" in
*__breakfix_prompt*) ;;
*)
	if [ -z "${PROMPT_COMMAND+set}" ]; then
		PROMPT_COMMAND=__breakfix_prompt
	elif [[ ${PROMPT_COMMAND@a} == *a* ]]; then
		PROMPT_COMMAND=(__breakfix_prompt "${PROMPT_COMMAND[@]}")
	else
		PROMPT_COMMAND=__breakfix_prompt$'\n'$PROMPT_COMMAND
	fi
	;;
esac
