import Glibc
import Testing
@testable import Tensors

/// How many cores the kernels may use: the affinity mask and a cgroup quota both limit it.
@Suite("Usable cores")
struct ProcessorCountTests {
    @Test func affinityMaskBitsAreCounted() {
        let status = "Name:\tcircuitry\nCpus_allowed:\t00000000,000000ff\nCpus_allowed_list:\t0-7\n"
        #expect(ProcessInfoCores.affinityCount(status: status) == 8)
        #expect(ProcessInfoCores.affinityCount(status: "Cpus_allowed:\t3\n") == 2)
        #expect(ProcessInfoCores.affinityCount(status: "Cpus_allowed:\tf0f0,0001\n") == 9)
        #expect(ProcessInfoCores.affinityCount(status: "Name:\tx\n") == nil)
        #expect(ProcessInfoCores.affinityCount(status: "Cpus_allowed:\tzz\n") == nil)
        #expect(ProcessInfoCores.affinityCount(status: nil) == nil)
    }

    @Test func cgroupQuotaRoundsUp() {
        #expect(ProcessInfoCores.quotaCount(cpuMax: "200000 100000\n") == 2)
        #expect(ProcessInfoCores.quotaCount(cpuMax: "150000 100000") == 2)
        #expect(ProcessInfoCores.quotaCount(cpuMax: "max 100000\n") == nil)
        #expect(ProcessInfoCores.quotaCount(cpuMax: nil) == nil)
    }

    @Test func theCountIsAtLeastOneAndAtMostTheCoresOnline() {
        #expect(ProcessInfoCores.count >= 1)
        #expect(ProcessInfoCores.count <= Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}
