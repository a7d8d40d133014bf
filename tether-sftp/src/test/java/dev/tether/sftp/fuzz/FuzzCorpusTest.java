package dev.tether.sftp.fuzz;

import dev.tether.testkit.FuzzCorpus;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

/** Every fuzz target of this module replays its corpus (seeds and regression inputs): see {@link FuzzCorpus}. */
class FuzzCorpusTest {
    @TestFactory
    Stream<DynamicTest> everyTargetSurvivesItsCorpus() {
        return FuzzCorpus.replayAll(FuzzCorpusTest.class);
    }
}
