/*
 * A test program for osrun-exec.exe (never shipped): what it does depends on OSRUN_CHILD, which the tests set
 * through the launcher's --env.
 *   cmdline      writes GetCommandLineW() to stdout as raw UTF-16LE
 *   argv         writes each CommandLineToArgvW() argument after the program name as UTF-16LE, each followed by
 *                a UTF-16 NUL
 *   cwd          writes its working directory to stdout as raw UTF-16LE
 *   exit         exits with the number in OSRUN_CHILD_CODE
 *   cat          copies stdin to stdout, then writes "done" to stderr
 *   spew         writes OSRUN_CHILD_BYTES bytes (a repeating pattern) to stdout
 *   tree         OSRUN_CHILD_DEPTH > 1: starts itself with depth - 1; then appends a byte every 50 ms to
 *                OSRUN_CHILD_DIR\beat-<depth>, forever or for OSRUN_CHILD_LIFETIME_MS when set
 *   detach       starts itself in tree mode (depth 1, 15 s lifetime) and exits 0 at once
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <shellapi.h>
#include <stdlib.h>
#include <wchar.h>

static DWORD written;

static wchar_t *var(const wchar_t *name) {
    static wchar_t value[4096];
    DWORD n = GetEnvironmentVariableW(name, value, 4096);
    return n > 0 && n < 4096 ? value : NULL;
}

static void put(HANDLE h, const void *bytes, DWORD n) {
    WriteFile(h, bytes, n, &written, NULL);
}

int wmain(void) {
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    wchar_t *mode = var(L"OSRUN_CHILD");
    if (mode == NULL) {
        return 90;
    }
    if (wcscmp(mode, L"cmdline") == 0) {
        wchar_t *line = GetCommandLineW();
        put(out, line, (DWORD) (wcslen(line) * sizeof(wchar_t)));
        return 0;
    }
    if (wcscmp(mode, L"argv") == 0) {
        int count;
        wchar_t **args = CommandLineToArgvW(GetCommandLineW(), &count);
        for (int i = 1; i < count; i++) {
            put(out, args[i], (DWORD) ((wcslen(args[i]) + 1) * sizeof(wchar_t)));
        }
        return 0;
    }
    if (wcscmp(mode, L"cwd") == 0) {
        wchar_t dir[4096];
        DWORD n = GetCurrentDirectoryW(4096, dir);
        put(out, dir, n * sizeof(wchar_t));
        return 0;
    }
    if (wcscmp(mode, L"exit") == 0) {
        return (int) wcstoul(var(L"OSRUN_CHILD_CODE"), NULL, 10);
    }
    if (wcscmp(mode, L"cat") == 0) {
        char buffer[65536];
        DWORD n;
        while (ReadFile(GetStdHandle(STD_INPUT_HANDLE), buffer, sizeof buffer, &n, NULL) && n > 0) {
            put(out, buffer, n);
        }
        put(GetStdHandle(STD_ERROR_HANDLE), "done", 4);
        return 0;
    }
    if (wcscmp(mode, L"spew") == 0) {
        unsigned long long left = wcstoull(var(L"OSRUN_CHILD_BYTES"), NULL, 10);
        static char block[1 << 16];
        for (int i = 0; i < (int) sizeof block; i++) {
            block[i] = (char) ('a' + i % 26);
        }
        while (left > 0) {
            DWORD n = left < sizeof block ? (DWORD) left : sizeof block;
            put(out, block, n);
            left -= n;
        }
        return 0;
    }
    if (wcscmp(mode, L"detach") == 0) {
        SetEnvironmentVariableW(L"OSRUN_CHILD", L"tree");
        SetEnvironmentVariableW(L"OSRUN_CHILD_DEPTH", L"1");
        SetEnvironmentVariableW(L"OSRUN_CHILD_LIFETIME_MS", L"15000");
        STARTUPINFOW startup;
        ZeroMemory(&startup, sizeof startup);
        startup.cb = sizeof startup;
        PROCESS_INFORMATION process;
        return CreateProcessW(NULL, GetCommandLineW(), NULL, NULL, FALSE, 0, NULL, NULL, &startup, &process) ? 0 : 93;
    }
    if (wcscmp(mode, L"tree") == 0) {
        int depth = (int) wcstol(var(L"OSRUN_CHILD_DEPTH"), NULL, 10);
        wchar_t path[4096];
        _snwprintf(path, 4095, L"%ls\\beat-%d", var(L"OSRUN_CHILD_DIR"), depth);
        path[4095] = 0;
        if (depth > 1) {
            wchar_t next[16];
            _snwprintf(next, 15, L"%d", depth - 1);
            next[15] = 0;
            SetEnvironmentVariableW(L"OSRUN_CHILD_DEPTH", next);
            STARTUPINFOW startup;
            ZeroMemory(&startup, sizeof startup);
            startup.cb = sizeof startup;
            PROCESS_INFORMATION process;
            if (!CreateProcessW(NULL, GetCommandLineW(), NULL, NULL, FALSE, 0, NULL, NULL, &startup, &process)) {
                return 91;
            }
        }
        HANDLE beat = CreateFileW(path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_ALWAYS,
                                  FILE_ATTRIBUTE_NORMAL, NULL);
        wchar_t *lifetime = var(L"OSRUN_CHILD_LIFETIME_MS");
        DWORD end = lifetime ? GetTickCount() + (DWORD) wcstoul(lifetime, NULL, 10) : 0;
        while (lifetime == NULL || (LONG) (end - GetTickCount()) > 0) {
            put(beat, "x", 1);
            Sleep(50);
        }
        return 0;
    }
    return 92;
}
