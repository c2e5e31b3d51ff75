/**
 * A client of the QEMU Machine Protocol (QMP): {@link dev.osrun.qmp.QmpClient}.
 *
 * <p>Layers, bottom up: the shared transport of {@code dev.osrun.transport} (a unix socket with one reader thread
 * and bounded writes, and a framer that splits the byte stream into JSON objects); the QMP session (greeting,
 * capabilities, replies matched by {@code id}, events); {@code QmpClient} with typed commands (background jobs
 * among them) beside the raw {@code execute}. Every failure is a {@link dev.osrun.transport.ProtocolException} (the tree is in
 * {@link dev.osrun.qmp.QmpException}'s documentation). Depends on
 * Jackson, SLF4J and the transport only; wire traffic is logged at DEBUG on {@code dev.osrun.qmp.wire}. Internal
 * to osrun: not part of its API.
 */
package dev.osrun.qmp;
