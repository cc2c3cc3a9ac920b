# host-apt.sh - where the host's apt gets Debian packages, for build.sh
# and derive.sh (sourced, not run).
#
# The image fetches packages the way the host does: the host's sources
# (sources.list, sources.list.d, one-line or deb822) for this suite, and
# its Acquire settings (proxies, an apt cache, snapshot mirrors' date
# checks). MIRROR (and SECURITY_MIRROR) override the sources.

# host_apt_sources SUITE: one "deb URI RELEASE COMPONENT" line per index
# the host's apt would fetch for SUITE and SUITE-* (updates, security).
host_apt_sources() {
	if [ -n "${MIRROR:-}" ]; then
		printf 'deb %s %s main\n' "$MIRROR" "$1" "$MIRROR" "$1-updates"
		[ -z "${SECURITY_MIRROR:-}" ] ||
			printf 'deb %s %s-security main\n' "$SECURITY_MIRROR" "$1"
		return 0
	fi
	# shellcheck disable=SC2016
	apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' \
		'Identifier: Packages' 2>/dev/null |
		awk -v s="$1" 'NF == 3 && ($2 == s || index($2, s "-") == 1) {
			print "deb " $1 " " $2 " " $3 }' | LC_ALL=C sort -u
}

# host_apt_mirror SUITE: the archive debootstrap fetches SUITE from.
host_apt_mirror() {
	host_apt_sources "$1" | awk -v s="$1" '$3 == s { print $2; exit }'
}

# host_apt_conf: the host's Acquire settings that say how to reach the
# archive, in apt.conf syntax, for the build root's apt.
host_apt_conf() {
	apt-config dump Acquire::http::Proxy Acquire::https::Proxy \
		Acquire::ftp::Proxy Acquire::http::Proxy-Auto-Detect \
		Acquire::Check-Valid-Until Acquire::Check-Date 2>/dev/null |
		grep -v '^[^ ]* "";$' || true
}

# host_apt_proxy_env: export http_proxy/https_proxy for debootstrap from
# the host's apt settings, unless the environment has them already.
host_apt_proxy_env() {
	local p=''
	if [ -z "${http_proxy:-}" ]; then
		eval "$(apt-config shell p Acquire::http::Proxy 2>/dev/null)"
		case $p in http://*|https://*) export http_proxy=$p ;; esac
	fi
	p=''
	if [ -z "${https_proxy:-}" ]; then
		eval "$(apt-config shell p Acquire::https::Proxy 2>/dev/null)"
		case $p in http://*|https://*) export https_proxy=$p ;; esac
	fi
}
