# Shared by tests/run.sh and tests/hw/run-cases.sh: run one cmocka test
# program and turn its TAP output into "PASS name" / "FAIL name: why" lines.
# A skipped test is a FAIL: no test here may silently not run.
tap_run() { # BINARY PREFIX
	local bin=$1 prefix=$2 out rc seen=0 line name
	out=$(CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 "$bin" 2>&1); rc=$?
	while IFS= read -r line; do
		case $line in
		"not ok "*"# SKIP"*)
			seen=1; name=${line##*# SKIP }; echo "FAIL $prefix/${name# }: skipped" ;;
		"not ok "*)
			seen=1; name=${line#not ok }; echo "FAIL $prefix/${name#* - }: failed" ;;
		"ok "*)
			seen=1; name=${line#ok }; echo "PASS $prefix/${name#* - }" ;;
		esac
	done <<<"$out"
	if [ $rc -ne 0 ] || [ $seen -eq 0 ]; then
		printf '%s\n' "$out" | grep -v '^ok ' | tail -40 | sed 's/^/    /'
		[ $rc -ne 0 ] && echo "FAIL $prefix: exit status $rc"
		[ $seen -eq 0 ] && echo "FAIL $prefix: reported no test"
	fi
	return 0
}
