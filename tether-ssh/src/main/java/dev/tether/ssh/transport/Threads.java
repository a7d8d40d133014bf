package dev.tether.ssh.transport;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * Where Tether's threads come from. On JDK 21 and later, connection threads are virtual threads;
 * on JDK 17 they are daemon platform threads. The code is compiled for 17, so the virtual
 * thread builder is reached through a method handle when present.
 */
public final class Threads {
    private static final MethodHandle OF_VIRTUAL;
    private static final MethodHandle UNSTARTED;
    private static final MethodHandle NAME;

    static {
        MethodHandle ofVirtual = null;
        MethodHandle unstarted = null;
        MethodHandle name = null;
        try {
            MethodHandles.Lookup l = MethodHandles.publicLookup();
            Class<?> builder = Class.forName("java.lang.Thread$Builder");
            Class<?> ofVirtualClass = Class.forName("java.lang.Thread$Builder$OfVirtual");
            ofVirtual = l.findStatic(Thread.class, "ofVirtual", MethodType.methodType(ofVirtualClass));
            name = l.findVirtual(ofVirtualClass, "name", MethodType.methodType(ofVirtualClass, String.class));
            unstarted = l.findVirtual(builder, "unstarted", MethodType.methodType(Thread.class, Runnable.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            ofVirtual = null;
        }
        OF_VIRTUAL = ofVirtual;
        UNSTARTED = unstarted;
        NAME = name;
    }

    private Threads() {
    }

    /** True when connection threads are virtual threads. */
    public static boolean virtualThreads() {
        return OF_VIRTUAL != null;
    }

    /** An unstarted thread with the given name. */
    public static Thread newThread(String name, Runnable r) {
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
