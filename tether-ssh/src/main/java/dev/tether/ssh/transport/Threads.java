package dev.tether.ssh.transport;

import org.slf4j.MDC;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * Where Tether's threads come from: daemon platform threads, or, when the system property
 * {@code tether.virtualThreads=true} asks for them on JDK 21 and later, virtual threads (reached
 * through a method handle, since the code is compiled for 17).
 *
 * <p><b>Why platform threads by default.</b> Bulk data crosses two or three threads per packet
 * (reader, channel consumer, writer). A platform thread blocked on a socket or pipe is woken by
 * the kernel directly; a virtual thread is parked, its socket registered with the JDK's poller, and
 * woken through the poller thread and a carrier thread. Measured with 1 GiB through a process on
 * JDK 25 (tether-bench ProcessBench), platform threads took 13-28% less server CPU in every cipher
 * and direction. Virtual threads still pay off for a server holding tens of thousands of idle
 * connections (about 20-37 KiB RSS each against about 115 KiB), hence the switch.
 */
public final class Threads {
    private static final MethodHandle OF_VIRTUAL;
    private static final MethodHandle UNSTARTED;
    private static final MethodHandle NAME;

    static {
        MethodHandle ofVirtual = null;
        MethodHandle unstarted = null;
        MethodHandle name = null;
        if (Boolean.getBoolean("tether.virtualThreads")) { // platform threads by default
            try {
                MethodHandles.Lookup l = MethodHandles.publicLookup();
                Class<?> builder = Class.forName("java.lang.Thread$Builder");
                Class<?> ofVirtualClass = Class.forName("java.lang.Thread$Builder$OfVirtual");
                ofVirtual = l.findStatic(Thread.class, "ofVirtual", MethodType.methodType(ofVirtualClass));
                name = l.findVirtual(ofVirtualClass, "name", MethodType.methodType(ofVirtualClass, String.class));
                unstarted = l.findVirtual(builder, "unstarted", MethodType.methodType(Thread.class, Runnable.class));
            } catch (ReflectiveOperationException | RuntimeException e) {
                ofVirtual = null; // before JDK 21
            }
        }
        OF_VIRTUAL = ofVirtual;
        UNSTARTED = unstarted;
        NAME = name;
    }

    private Threads() {
    }

    /** True when connection threads are virtual threads ({@code tether.virtualThreads=true} on JDK 21+). */
    public static boolean virtualThreads() {
        return OF_VIRTUAL != null;
    }

    /**
     * An unstarted thread with the given name. It starts with a copy of the creating thread's
     * slf4j MDC, so the threads a connection's reader starts for its channels and sessions log
     * with the connection's id ({@code dev.tether.ssh.Transport#MDC_CONNECTION}) as it does.
     */
    public static Thread newThread(String name, Runnable task) {
        Map<String, String> mdc = MDC.getCopyOfContextMap();
        Runnable r = mdc == null || mdc.isEmpty() ? task : () -> {
            MDC.setContextMap(mdc);
            task.run();
        };
        if (OF_VIRTUAL != null) {
            try {
                Object b = OF_VIRTUAL.invoke();
                b = NAME.invoke(b, name);
                return (Thread) UNSTARTED.invoke(b, r);
            } catch (Throwable e) {
                // fall through to a platform thread
            }
        }
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static final class TimerHolder {
        static final ScheduledExecutorService TIMER = create();

        private static ScheduledExecutorService create() {
            ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "tether-timer");
                t.setDaemon(true);
                return t;
            });
            e.setRemoveOnCancelPolicy(true);
            return e;
        }
    }

    /**
     * One shared daemon timer for deadlines (handshake timeouts, rekey intervals). Tasks must be
     * short and never block; they only close or signal connections.
     */
    public static ScheduledExecutorService timer() {
        return TimerHolder.TIMER;
    }
}
