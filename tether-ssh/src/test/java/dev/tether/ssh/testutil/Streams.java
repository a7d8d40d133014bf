package dev.tether.ssh.testutil;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading a channel's output in tests. */
public final class Streams {
    private Streams() {
    }

    /**
     * Reads from {@code in}, appending to {@code seen}, until {@code regex} matches what has
     * arrived; fails on EOF first, or after {@code wait}.
     */
    public static Matcher readUntil(InputStream in, String regex, StringBuilder seen, Duration wait) throws Exception {
        Pattern p = Pattern.compile(regex);
        CompletableFuture<Matcher> f = CompletableFuture.supplyAsync(() -> {
            byte[] buf = new byte[4096];
            try {
                while (true) {
                    Matcher m = p.matcher(seen);
                    if (m.find()) {
                        return m;
                    }
                    int n = in.read(buf);
                    if (n < 0) {
                        throw new IllegalStateException("EOF before /" + regex + "/: " + seen);
                    }
                    seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        return f.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    }
}
