/**
 * The JUnit Jupiter extension: {@link dev.osrun.junit.Osrun @Osrun} on a test class lends it real VMs, restored
 * to a snapshot ({@link dev.osrun.junit.UseSnapshot @UseSnapshot}) before every test. {@link
 * dev.osrun.junit.OsrunExtension} describes what it does; {@link dev.osrun.junit.Osrun} lists the configuration
 * keys. Everything else in this package is the extension's own: pools of VMs per configuration, leases, the
 * backends (the osrun image through Testcontainers, or QEMU on this host) and the evidence a failed test leaves.
 */
package dev.osrun.junit;
