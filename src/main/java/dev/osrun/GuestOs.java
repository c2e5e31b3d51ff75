package dev.osrun;

/** The kind of operating system a VM runs. */
public enum GuestOs {
    /** Windows 11, the product's guest. */
    WINDOWS,
    /** A Linux guest, such as the tiny test guest. */
    LINUX
}
