package dev.merlin.bench.load;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Samples another JVM on this machine: heap used right after an explicit full GC, the JVM's direct and mapped buffer
 * pools (Netty's buffers are {@code DirectByteBuffer}s unless it is given reflective access to their no-cleaner
 * constructor, which Merlin's flags do not), over JMX through the attach API with one connection kept open for the
 * whole run; threads and open file descriptors from {@code /proc/PID}, so that JMX's own count does not decide.
 */
final class JvmProbe implements AutoCloseable {

    /** One sample; {@code atSeconds} is from the start of the run. */
    record Sample(double atSeconds, long heapAfterGcBytes, long directBytes, long directBuffers, long mappedBytes,
                  int threads, int fileDescriptors, long rssBytes, double loadAverage) {

        Map<String, Object> summary() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("atSeconds", Math.round(atSeconds * 10) / 10.0);
            map.put("heapAfterGcBytes", heapAfterGcBytes);
            map.put("directBytes", directBytes);
            map.put("directBuffers", directBuffers);
            map.put("mappedBytes", mappedBytes);
            map.put("threads", threads);
            map.put("fileDescriptors", fileDescriptors);
            map.put("rssBytes", rssBytes);
            map.put("loadAverage", loadAverage);
            return map;
        }
    }

    private final long pid;
    private final JMXConnector connector;
    private final MemoryMXBean memory;
    private final List<BufferPoolMXBean> pools;

    private JvmProbe(long pid, JMXConnector connector) throws IOException {
        this.pid = pid;
        this.connector = connector;
        MBeanServerConnection connection = connector.getMBeanServerConnection();
        this.memory = ManagementFactory.newPlatformMXBeanProxy(connection, ManagementFactory.MEMORY_MXBEAN_NAME,
                MemoryMXBean.class);
        this.pools = ManagementFactory.getPlatformMXBeans(connection, BufferPoolMXBean.class);
    }

    /** Attaches to {@code pid}, starts its local JMX agent and connects. */
    static JvmProbe attach(long pid) throws IOException {
        String address;
        try {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
        } catch (AttachNotSupportedException e) {
            throw new IOException("cannot attach to pid " + pid + ": " + e.getMessage(), e);
        }
        return new JvmProbe(pid, JMXConnectorFactory.connect(new JMXServiceURL(address)));
    }

    /** Runs a full GC in the target, then reads everything. */
    Sample sample(double atSeconds) throws IOException {
        memory.gc();
        long heap = memory.getHeapMemoryUsage().getUsed();
        long direct = 0;
        long directCount = 0;
        long mapped = 0;
        for (BufferPoolMXBean pool : pools) {
            if ("direct".equals(pool.getName())) {
                direct = pool.getMemoryUsed();
                directCount = pool.getCount();
            } else if ("mapped".equals(pool.getName())) {
                mapped = pool.getMemoryUsed();
            }
        }
        Path proc = Path.of("/proc", Long.toString(pid));
        int fds;
        try (Stream<Path> entries = Files.list(proc.resolve("fd"))) {
            fds = (int) entries.count();
        }
        int threads = 0;
        long rss = 0;
        for (String line : Files.readAllLines(proc.resolve("status"))) {
            if (line.startsWith("Threads:")) {
                threads = Integer.parseInt(line.substring(8).trim());
            } else if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
            }
        }
        // the machine's 1-minute load average: on a shared machine it tells a slow window from a slow Merlin
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return new Sample(atSeconds, heap, direct, directCount, mapped, threads, fds, rss, load);
    }

    @Override
    public void close() {
        try {
            connector.close();
        } catch (IOException ignored) {
            // the target may be gone already
        }
    }
}
