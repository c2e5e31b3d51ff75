package dev.osrun.junit;

import dev.osrun.LinuxVm;
import dev.osrun.Vm;
import dev.osrun.WindowsVm;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.lang.reflect.Executable;

/**
 * The JUnit Jupiter extension that lends real VMs to tests: parameters of type {@link Vm}, {@link WindowsVm} or
 * {@link LinuxVm} in test methods, lifecycle methods and constructors get a VM, restored to a snapshot before each
 * test ({@link UseSnapshot}, default {@code provisioned}), so that no test sees what another did.
 *
 * <p>Register it with {@link Osrun @Osrun} (which also configures it) or {@code @ExtendWith(OsrunExtension.class)}.
 *
 * <ul>
 *   <li><b>VMs.</b> One VM per configuration for the whole run, started (and provisioned, the first time) on first
 *       use and stopped when the run ends. Under JUnit's parallel execution each test that runs at the same time as
 *       others gets a VM of its own from a pool of up to {@code osrun.pool.size} VMs (default: JUnit's parallelism).
 *       </li>
 *   <li><b>Class VMs.</b> When {@code @BeforeAll}/{@code @AfterAll} methods (or a per-class constructor) take a VM,
 *       the class keeps that VM for all its tests, including {@code @Nested} ones: what {@code @BeforeAll} did and
 *       saved (snapshots) is there for them. Its tests then run one at a time in that VM, even in parallel runs.
 *       Snapshots a class or test saves are deleted when it gives its VM back.</li>
 *   <li><b>Failures.</b> When a test fails, the VM's screenshot, serial and status logs and the test's commands
 *       (exit codes, output tails) are saved under {@code target/osrun-reports/<class>/<method>/}
 *       ({@code osrun.reports.dir}), published with JUnit's {@code publishFile}, and the folder is named in the
 *       failure.</li>
 *   <li><b>Prerequisites.</b> Without Docker (or QEMU, for the local backend) the tests are skipped with the reason
 *       and the fix; under {@code CI=true} they fail.</li>
 * </ul>
 *
 * <p>The configuration keys and their order are listed on {@link Osrun}.
 */
public class OsrunExtension implements ParameterResolver, BeforeEachCallback, AfterTestExecutionCallback,
        AfterEachCallback, ExecutionCondition {

    private final VmLending lending = new VmLending(new DockerBackend(), new LocalBackend());

    /** Creates the extension; JUnit does this when a test class is annotated with {@link Osrun}. */
    public OsrunExtension() {
    }

    /** Skips (or, under {@code CI=true}, fails) the tests when no backend can run their VMs here. */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return Prerequisites.evaluate(context, lending);
    }

    /** Asks JUnit for the test's own context when it constructs a test instance per method, so its VM is the test's. */
    @Override
    public ExtensionContextScope getTestInstantiationExtensionContextScope(ExtensionContext rootContext) {
        return ExtensionContextScope.TEST_METHOD;
    }

    /** Supports parameters of type {@link Vm}, {@link WindowsVm} and {@link LinuxVm}. */
    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == Vm.class || type == WindowsVm.class || type == LinuxVm.class;
    }

    /**
     * Lends the VM: the class's when it holds one, else the test's own.
     *
     * @throws org.junit.jupiter.api.extension.ParameterResolutionException when the type does not fit the guest
     */
    @Override
    public Vm resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Executable executable = parameter.getDeclaringExecutable();
        String name = "'" + parameter.getParameter().getName() + "' of " + executable.getDeclaringClass().getSimpleName()
                + "." + executable.getName() + "()";
        return lending.resolve(parameter.getParameter().getType(), name, context);
    }

    /** Restores the test's snapshot in its class's VM, when the class holds one. */
    @Override
    public void beforeEach(ExtensionContext context) {
        lending.beforeEach(context);
    }

    /** Saves the evidence of a failed test while its VM is as the failure left it. */
    @Override
    public void afterTestExecution(ExtensionContext context) {
        saveEvidenceOnFailure(context);
    }

    /** Saves the evidence of a test that failed outside its body ({@code @BeforeEach}, {@code @AfterEach}). */
    @Override
    public void afterEach(ExtensionContext context) {
        saveEvidenceOnFailure(context);
    }

    private void saveEvidenceOnFailure(ExtensionContext context) {
        context.getExecutionException().ifPresent(failure ->
                lending.leaseOf(context).ifPresent(lease -> FailureEvidence.save(context, lease, failure)));
    }
}
