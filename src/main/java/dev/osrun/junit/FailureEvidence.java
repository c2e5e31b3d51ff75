package dev.osrun.junit;

import org.junit.jupiter.api.MediaType;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a failed test leaves behind: the VM's screen (PNG), its serial and status logs and the test's commands with
 * their exit codes and output tails, in {@code <osrun.reports.dir>/<class>/<method>/}. The files are published
 * through JUnit ({@link ExtensionContext#publishFile}), the folder is a report entry ({@code osrun.evidence}), and
 * it is named in the failure itself (a suppressed {@link Saved}), so that a reader of the test's output finds it.
 */
final class FailureEvidence {

    private static final Logger log = LoggerFactory.getLogger(FailureEvidence.class);
    private static final String SAVED = "evidence-saved";

    private FailureEvidence() {
    }

    /** Saves the evidence of the failure of the test in {@code context} in the VM of {@code lease}, once per test. */
    static void save(ExtensionContext context, Lease lease, Throwable failure) {
        ExtensionContext.Store store = context.getStore(VmLending.NAMESPACE);
        if (store.get(SAVED) != null) {
            return;
        }
        store.put(SAVED, Boolean.TRUE);
        Path dir = directory(context);
        Map<String, byte[]> files = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        try {
            files.put("screenshot.png", lease.started().vm().screenshotPng());
        } catch (RuntimeException e) {
            problems.add("screenshot.png: the screen could not be captured: " + e);
        }
        try {
            lease.started().logs().forEach((name, text) -> files.put(name, text.getBytes(StandardCharsets.UTF_8)));
        } catch (RuntimeException e) {
            problems.add("logs: could not be read: " + e);
        }
        files.put("commands.txt", lease.journal().text().getBytes(StandardCharsets.UTF_8));
        files.put("failure.txt", summary(context, lease, failure, problems).getBytes(StandardCharsets.UTF_8));
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                Path target = dir.resolve(file.getKey());
                Path temporary = dir.resolve(file.getKey() + ".tmp");
                Files.write(temporary, file.getValue());
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            log.warn("Could not save the evidence of the failure of {} in {}: {}", VmLending.holder(context), dir, e.toString());
            failure.addSuppressed(e);
            return;
        }
        publish(context, dir, files.keySet());
        context.publishReportEntry("osrun.evidence", dir.toString());
        log.warn("{} failed; the VM's screen, logs and the test's commands are in {}", VmLending.holder(context), dir);
        failure.addSuppressed(new Saved(dir));
    }

    private static void publish(ExtensionContext context, Path dir, Iterable<String> names) {
        for (String name : names) {
            MediaType type = name.endsWith(".png") ? MediaType.IMAGE_PNG : MediaType.TEXT_PLAIN_UTF_8;
            try {
                context.publishFile(name, type, path -> Files.copy(dir.resolve(name), path, StandardCopyOption.REPLACE_EXISTING));
            } catch (RuntimeException e) {
                // the launcher may have no output directory (an old build tool, say); the files are in dir anyway
                log.debug("Could not publish {} through JUnit: {}", name, e.toString());
            }
        }
    }

    /** {@code <reports dir>/<class>/<method>[-<invocation>]}, absolute. */
    static Path directory(ExtensionContext context) {
        Path root = Path.of(Settings.of(context).get(Setting.REPORTS_DIR).text()).toAbsolutePath();
        String type = context.getTestClass().map(Class::getName).orElse("unknown-class");
        String method = context.getTestMethod().map(m -> m.getName()).orElse("class");
        boolean invocation = context.getParent().flatMap(ExtensionContext::getTestMethod).isPresent();
        if (invocation) {
            method = method + "-" + context.getDisplayName();
        }
        return root.resolve(safe(type)).resolve(safe(method));
    }

    private static String safe(String name) {
        String safe = name.replaceAll("[^A-Za-z0-9._$-]+", "_");
        return safe.length() <= 120 ? safe : safe.substring(0, 120);
    }

    private static String summary(ExtensionContext context, Lease lease, Throwable failure, List<String> problems) {
        StringBuilder text = new StringBuilder()
                .append("test: ").append(VmLending.holder(context)).append('\n')
                .append("vm: ").append(lease.vmName()).append('\n')
                .append("failure: ").append(failure).append('\n');
        for (String problem : problems) {
            text.append("missing: ").append(problem).append('\n');
        }
        return text.toString();
    }

    /** Names the folder that holds a failed test's evidence; added to the failure as a suppressed exception. */
    static final class Saved extends RuntimeException {
        Saved(Path dir) {
            super("osrun saved the VM's screen, logs and the test's commands in " + dir, null, false, false);
        }
    }
}
