package dev.osrun;

/** A VM that runs Linux, such as osrun's tiny test guest. Commands run through {@code /bin/sh}. */
public interface LinuxVm extends Vm {
}
