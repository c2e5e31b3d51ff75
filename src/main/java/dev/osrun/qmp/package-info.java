/**
 * A client of the QEMU Machine Protocol (QMP): {@link dev.osrun.qmp.QmpClient}.
 *
 * <p>Layers, bottom up: {@link dev.osrun.qmp.JsonSocket} (unix socket, one reader thread, bounded writes) and a
 * framer that splits the byte stream into JSON objects; the QMP session (greeting, capabilities, replies matched by
 * {@code id}, events); {@code QmpClient} with typed commands beside the raw {@code execute}. Every failure is a
 * {@link dev.osrun.qmp.QmpException}. The transport and {@link dev.osrun.qmp.JsonRedactor} are shared with the
 * guest agent client in {@code dev.osrun.qga}. Depends on Jackson and SLF4J only; wire traffic is logged at DEBUG
 * on {@code dev.osrun.qmp.wire}.
 */
package dev.osrun.qmp;
