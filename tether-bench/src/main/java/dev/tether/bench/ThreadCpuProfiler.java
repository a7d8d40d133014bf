package dev.tether.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler reporting the CPU time the benchmark's worker threads spent per operation
 * ({@code cpu.time.norm}, ns/op), minus the CPU time of invocation-level setup that the benchmark
 * records in {@link CipherThroughputBenchmark#SETUP_CPU_NANOS}.
 *
 * <p>Wall-clock throughput on a shared, loaded machine mostly measures how much CPU the scheduler
 * handed out; thread CPU time does not count time spent waiting for a CPU, so ours-vs-raw ratios
 * computed from it are far steadier. Use with {@code -prof dev.tether.bench.ThreadCpuProfiler}.
 */
public final class ThreadCpuProfiler implements InternalProfiler {
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private long cpuAtStart;
    private long setupAtStart;

    @Override
    public String getDescription() {
        return "CPU time of the JMH worker threads per operation, excluding invocation-level setup";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        cpuAtStart = workerCpuNanos();
        setupAtStart = CipherThroughputBenchmark.SETUP_CPU_NANOS.get();
    }

    @Override
    public List<ScalarResult> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
            IterationResult result) {
        long cpu = workerCpuNanos() - cpuAtStart;
        long setup = CipherThroughputBenchmark.SETUP_CPU_NANOS.get() - setupAtStart;
        long ops = Math.max(1, result.getMetadata().getAllOps());
        return List.of(new ScalarResult("cpu.time.norm", (double) (cpu - setup) / ops, "ns/op", AggregationPolicy.AVG));
    }

    private long workerCpuNanos() {
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().contains("jmh-worker")) {
                @SuppressWarnings("deprecation") // Thread.threadId() is JDK 19+
                long id = t.getId();
                long ns = threads.getThreadCpuTime(id);
                if (ns > 0) {
                    sum += ns;
                }
            }
        }
        return sum;
    }
}
