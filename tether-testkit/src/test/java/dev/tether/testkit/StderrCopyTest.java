package dev.tether.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StderrCopyTest {
    @Test
    void copiesWhatIsWrittenAfterTheMark() {
        StderrCopy.install();
        System.err.println("before the mark");
        long mark = StderrCopy.position();
        System.err.println("after the mark ü");
        String seen = StderrCopy.since(mark);
        assertEquals("after the mark ü" + System.lineSeparator(), seen);
        assertTrue(StderrCopy.since(0).contains("before the mark"));
        StderrCopy.reset();
        long later = StderrCopy.position();
        System.err.println("after the reset");
        assertEquals("after the reset" + System.lineSeparator(), StderrCopy.since(later));
        assertEquals("after the reset" + System.lineSeparator(), StderrCopy.since(mark));
    }
}
