# Sourced: write_tiny_guests DIR writes the small flat guests of the
# tests of runs that end early (tests/cli/robust.sh for the interpreter,
# tests/guests/run-cases.sh hw for KVM). Real-mode code at 1000:0000.
write_tiny_guests() {
	# cli; jmp $: hangs with interrupts off.
	printf '\xfa\xeb\xfe' >"$1/spin.bin"
	# cli; l: mov cx, 1000; loop $; out 0x80, al; jmp l: a port record
	# (the audit's events level) every thousand instructions or so.
	printf '\xfa\xb9\xe8\x03\xe2\xfe\xe6\x80\xeb\xf7' >"$1/slow.bin"
	# lidt cs:[8] (limit 0); ud2 at 0x6: #UD, #GP and #DF undeliverable.
	printf '\x2e\x0f\x01\x1e\x08\x00\x0f\x0b\x00\x00\x00\x00\x00\x00' >"$1/tf.bin"
	# mov al, 'A'; mov dx, 0x3f8; out dx, al; lidt cs:[0xe]; ud2 at 0xc:
	# the same after a serial write (a KVM run that completes it first).
	printf '\xb0\x41\xba\xf8\x03\xee\x2e\x0f\x01\x1e\x0e\x00\x0f\x0b\x00\x00\x00\x00\x00\x00' \
		>"$1/tf-serial.bin"
	# cli; out 0x80, al; in al, 0x81; hlt: two ports no device claims.
	printf '\xfa\xe6\x80\xe4\x81\xf4' >"$1/unclaimed.bin"
}
