/**
 * A client of the QEMU guest agent (qemu-ga): {@link dev.osrun.qga.GuestAgentClient}.
 *
 * <p>It runs over QEMU's chardev socket with the shared transport of {@code dev.osrun.transport}. The agent's
 * replies carry no id, so calls are serialised and {@code guest-sync-delimited} (with its {@code 0xFF} sentinel) finds the start of
 * the next reply, at connection and after any client-side timeout. Every failure is a
 * {@link dev.osrun.transport.ProtocolException} (the tree is in {@link dev.osrun.qga.GuestAgentException}'s documentation). Wire traffic is logged at DEBUG on {@code dev.osrun.qga.wire}, with
 * payloads such as {@code input-data}, {@code buf-b64} and {@code env} reduced to their size. Internal to osrun:
 * not part of its API.
 */
package dev.osrun.qga;
