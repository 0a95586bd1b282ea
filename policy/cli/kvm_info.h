/* `hvmm kvm-info`: the host probe's results (hwvmm/kvm_host.h). */
#ifndef HVMM_CLI_KVM_INFO_H
#define HVMM_CLI_KVM_INFO_H

/* argv[0] is "kvm-info". Returns the exit status: 0, 2 for a usage error
 * or no KVM, 4 when the probe failed. */
int cmd_kvm_info(int argc, char **argv);

extern const char kvm_info_usage[];

#endif
