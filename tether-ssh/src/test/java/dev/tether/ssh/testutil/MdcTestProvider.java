package dev.tether.ssh.testutil;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * slf4j-simple's logging with a working MDC (slf4j-simple's own MDC is a no-op), chosen for the
 * tether-ssh test JVM by {@code -Dslf4j.provider} in the POM, so that tests can see what the
 * library puts in the MDC ({@code ConnectionLogContextTest}). Log output is slf4j-simple's,
 * unchanged; slf4j-simple is reached by name, since the tests are compiled into the library's
 * module, which does not read it.
 */
public final class MdcTestProvider implements SLF4JServiceProvider {
    private final SLF4JServiceProvider simple;
    private final MDCAdapter mdc = new BasicMDCAdapter();

    public MdcTestProvider() throws ReflectiveOperationException {
        simple = (SLF4JServiceProvider) Class.forName("org.slf4j.simple.SimpleServiceProvider").getConstructor().newInstance();
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return simple.getLoggerFactory();
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return simple.getMarkerFactory();
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return simple.getRequestedApiVersion();
    }

    @Override
    public void initialize() {
        simple.initialize();
    }
}
