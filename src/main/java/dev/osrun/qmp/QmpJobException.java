package dev.osrun.qmp;

/**
 * Thrown when a QMP background job (e.g. {@code snapshot-load}) concluded with an error; carries the command
 * that started it, the job's id and QEMU's error text from {@code query-jobs}.
 */
public class QmpJobException extends QmpException {

    private static final long serialVersionUID = 1L;

    private final String command;
    private final String jobId;
    private final String error;

    /**
     * Creates the exception.
     *
     * @param command the command that started the job, e.g. {@code snapshot-save}
     * @param jobId   the job's id
     * @param error   QEMU's error text for the job
     */
    public QmpJobException(String command, String jobId, String error) {
        super("QMP job '" + jobId + "' (" + command + ") failed: " + error);
        this.command = command;
        this.jobId = jobId;
        this.error = error;
    }

    /**
     * Returns the command that started the job.
     *
     * @return e.g. {@code snapshot-load}
     */
    public String command() {
        return command;
    }

    /**
     * Returns the job's id.
     *
     * @return the {@code job-id} it was started with
     */
    public String jobId() {
        return jobId;
    }

    /**
     * Returns QEMU's error text for the job.
     *
     * @return the {@code error} member of the job in {@code query-jobs}
     */
    public String error() {
        return error;
    }
}
