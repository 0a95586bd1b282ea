# Shared by tests/guests/run-cases.sh and tests/linux/run-linux-case.sh:
# theorem3's promise, read from a run's --stats=json line (on stderr): KVM
# never entered the guest at CPL 0-2, and no kernel entry was missed.
# Prints what is wrong, one line each; nothing when all holds.
theorem3_violations() { # STATS-FILE
	local json
	json=$(grep '^{"policy"' "$1")
	[ -n "$json" ] || { echo "no --stats=json line"; return; }
	echo "$json" | grep -q '"runs_cpl0":0,' || echo "KVM entered at CPL 0-2: $(echo "$json" | grep -o '"runs_cpl0":[0-9]*')"
	echo "$json" | grep -q '"kernel_entries_missed":0,' || echo "kernel entries missed: $(echo "$json" | grep -o '"kernel_entries_missed":[0-9]*')"
}
