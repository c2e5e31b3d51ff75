/*
 * osrun-exec.exe: starts one command in a Windows guest exactly as given, inside a job object, and exits with its code.
 *
 *   osrun-exec.exe [options] [--] COMMAND_LINE_BASE64
 *
 * COMMAND_LINE_BASE64 is the raw command line (what CreateProcessW receives, program first) as base64 of its
 * UTF-16LE bytes, so no layer in between (the guest agent's own argv quoting, the C runtime) can change a character.
 *
 * Options (PATH values are plain paths; B64 values are base64 of UTF-16LE, like the command line):
 *   --job-dir PATH    stdin from PATH\in, stdout to PATH\out, stderr to PATH\err (opened relative to PATH, which
 *                     costs one path lookup over SMB instead of three)
 *   --stdin PATH      stdin from PATH            --stdout PATH   stdout to PATH (truncated)
 *   --stderr PATH     stderr to PATH (truncated; the same path as --stdout merges both into one file); a missing
 *                     parent directory of --stdout or --stderr is created
 *   --remove PATH     deletes the file PATH before anything else (repeatable; a missing file is no error): the
 *                     engine hands over the output files of earlier commands, which it has read
 *   --cwd B64         the command's working directory
 *   --env B64         adds or replaces one variable, "NAME=VALUE" (repeatable)
 *   --timeout-ms N    after N milliseconds the whole process tree is killed and the exit code is 124
 * Streams that are not redirected are inherited from the launcher. The launcher's own standard handles (the guest
 * agent's capture pipes) are never inherited by the command when they are redirected: a process the command leaves
 * running must not hold the agent's pipes open, or the agent would report the command finished only when that
 * process ends.
 *
 *   osrun-exec.exe --copy FROM_B64 TO_B64
 *
 * copies the file or directory tree FROM to TO (both base64 of UTF-16LE paths) as cp -R does: into TO when TO is
 * an existing directory (under FROM's own name), else to TO; files replace files of the same path, a tree merges
 * into a directory of the same name, nothing else is deleted; missing parents are created. The engine's file transfers, without starting a shell or PowerShell per file.
 * Exit code 0, or 1 with one "osrun-exec: copy: ..." line on stderr.
 *
 * Exit codes: the command's own exit code (any 32-bit value), or
 *   124  the timeout expired: every process of the command's tree was killed
 *   125  the launcher could not set up (bad option, bad base64, a redirection file could not be opened)
 *   126  CreateProcessW failed for another reason than a missing program (access denied, not an executable)
 *   127  the program was not found
 * In each of those cases one line "osrun-exec: ..." explains it on stderr (the redirected one when it is open).
 *
 * The command runs in a job object with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE: if the launcher itself is killed (the
 * host's own timeout runs taskkill on it), the handle closes and the whole tree dies, including grandchildren whose
 * parents already exited (which taskkill /T cannot find). When the command exits normally, the launcher lifts that
 * limit before it exits, so a process the command deliberately left running in the background keeps running. The
 * launcher waits for the command's own process only, never for its descendants.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define EXIT_TIMEOUT 124
#define EXIT_SETUP 125
#define EXIT_CANNOT_START 126
#define EXIT_NOT_FOUND 127
#define MAX_COMMAND_LINE 32767
#define MAX_ENV 64
#define MAX_REMOVE 256

static HANDLE error_out = INVALID_HANDLE_VALUE;
static int usage(const wchar_t *problem);

/* Writes "osrun-exec: <message>: <system error text>" as UTF-8 to the current error stream. */
static void report(const wchar_t *message, DWORD error) {
    wchar_t text[2048];
    int n = _snwprintf(text, 1024, L"osrun-exec: %ls", message);
    if (n < 0) {
        n = 1023;
    }
    if (error != 0) {
        wchar_t *system = NULL;
        FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                       NULL, error, 0, (LPWSTR) &system, 0, NULL);
        for (size_t end = system ? wcslen(system) : 0; end > 0 && wcschr(L"\r\n .", system[end - 1]); end--) {
            system[end - 1] = 0;
        }
        int m = _snwprintf(text + n, 2047 - n, L": %ls (error %lu)", system ? system : L"", (unsigned long) error);
        n = m < 0 ? 2047 : n + m;
        if (system) {
            LocalFree(system);
        }
    }
    while (n > 0 && (text[n - 1] == L'\n' || text[n - 1] == L'\r' || text[n - 1] == L' ')) {
        n--;
    }
    text[n++] = L'\n';
    char utf8[8192];
    int bytes = WideCharToMultiByte(CP_UTF8, 0, text, n, utf8, sizeof utf8, NULL, NULL);
    HANDLE out = error_out != INVALID_HANDLE_VALUE ? error_out : GetStdHandle(STD_ERROR_HANDLE);
    DWORD written;
    if (out != NULL && out != INVALID_HANDLE_VALUE && bytes > 0) {
        WriteFile(out, utf8, (DWORD) bytes, &written, NULL);
    }
}

static int base64_value(wchar_t c) {
    if (c >= L'A' && c <= L'Z') return c - L'A';
    if (c >= L'a' && c <= L'z') return c - L'a' + 26;
    if (c >= L'0' && c <= L'9') return c - L'0' + 52;
    if (c == L'+') return 62;
    if (c == L'/') return 63;
    return -1;
}

/*
 * Decodes strict base64 (padding required, no whitespace) of UTF-16LE into a new NUL-terminated wide string.
 * Returns NULL when the text is not such base64 or does not hold whole UTF-16 code units.
 */
static wchar_t *decode_utf16(const wchar_t *text) {
    size_t length = wcslen(text);
    if (length % 4 != 0) {
        return NULL;
    }
    size_t bytes = length / 4 * 3;
    if (length > 0 && text[length - 1] == L'=') bytes--;
    if (length > 1 && text[length - 2] == L'=') bytes--;
    if (bytes % 2 != 0) {
        return NULL;
    }
    unsigned char *raw = malloc(bytes + 2);
    if (raw == NULL) {
        return NULL;
    }
    size_t out = 0;
    for (size_t i = 0; i < length; i += 4) {
        int v[4];
        for (int j = 0; j < 4; j++) {
            wchar_t c = text[i + j];
            BOOL last_group = i + 4 == length;
            if (c == L'=' && last_group && j >= 2 && (j == 3 || text[i + 3] == L'=')) {
                v[j] = 0;
            } else {
                v[j] = base64_value(c);
                if (v[j] < 0) {
                    free(raw);
                    return NULL;
                }
            }
        }
        unsigned int group = (unsigned int) (v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
        unsigned char three[3] = {(unsigned char) (group >> 16), (unsigned char) (group >> 8), (unsigned char) group};
        for (int j = 0; j < 3 && out < bytes; j++) {
            raw[out++] = three[j];
        }
    }
    raw[out] = 0;
    raw[out + 1] = 0;
    return (wchar_t *) raw;
}

static HANDLE open_file(const wchar_t *path, BOOL for_reading) {
    SECURITY_ATTRIBUTES inheritable = {sizeof inheritable, NULL, TRUE};
    return CreateFileW(path, for_reading ? GENERIC_READ : GENERIC_WRITE,
                       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &inheritable,
                       for_reading ? OPEN_EXISTING : CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
}

static BOOL make_directories(const wchar_t *path);

/* Opens an output file, creating its missing parent directory first when that is what failed. */
static HANDLE open_output(const wchar_t *path) {
    HANDLE handle = open_file(path, FALSE);
    if (handle == INVALID_HANDLE_VALUE && GetLastError() == ERROR_PATH_NOT_FOUND) {
        wchar_t *parent = _wcsdup(path);
        wchar_t *slash = parent ? wcsrchr(parent, L'\\') : NULL;
        wchar_t *other = parent ? wcsrchr(parent, L'/') : NULL;
        if (other > slash) {
            slash = other;
        }
        if (slash != NULL && slash > parent && slash[-1] != L':') {
            *slash = 0;
            if (make_directories(parent)) {
                handle = open_file(path, FALSE);
            }
        }
        free(parent);
    }
    return handle;
}

/* Keeps one of the launcher's own standard handles from being inherited by the command. */
static void keep_own(DWORD which) {
    HANDLE handle = GetStdHandle(which);
    if (handle != NULL && handle != INVALID_HANDLE_VALUE) {
        SetHandleInformation(handle, HANDLE_FLAG_INHERIT, 0);
    }
}

/* Makes a standard handle inheritable (the child gets it through STARTF_USESTDHANDLES). */
static HANDLE inherited_std(DWORD which) {
    HANDLE handle = GetStdHandle(which);
    if (handle != NULL && handle != INVALID_HANDLE_VALUE) {
        SetHandleInformation(handle, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
    }
    return handle;
}

/* ---- --copy ------------------------------------------------------------------------------------------------- */

static wchar_t *join_path(const wchar_t *dir, const wchar_t *name) {
    size_t a = wcslen(dir), b = wcslen(name);
    wchar_t *path = malloc((a + b + 2) * sizeof(wchar_t));
    if (path == NULL) {
        return NULL;
    }
    wcscpy(path, dir);
    if (a > 0 && dir[a - 1] != L'\\' && dir[a - 1] != L'/') {
        path[a++] = L'\\';
    }
    wcscpy(path + a, name);
    return path;
}

static BOOL copy_failed(const wchar_t *what, const wchar_t *path) {
    DWORD error = GetLastError();
    wchar_t message[1200];
    _snwprintf(message, 1199, L"copy: cannot %ls %ls", what, path);
    message[1199] = 0;
    report(message, error);
    return FALSE;
}

/* Creates a directory and its missing parents. */
static BOOL make_directories(const wchar_t *path) {
    if (CreateDirectoryW(path, NULL) || GetLastError() == ERROR_ALREADY_EXISTS) {
        return TRUE;
    }
    if (GetLastError() != ERROR_PATH_NOT_FOUND) {
        return copy_failed(L"create the directory", path);
    }
    wchar_t *parent = _wcsdup(path);
    wchar_t *slash = wcsrchr(parent, L'\\');
    wchar_t *other = wcsrchr(parent, L'/');
    if (other > slash) {
        slash = other;
    }
    BOOL ok = FALSE;
    if (slash != NULL && slash != parent) {
        *slash = 0;
        ok = make_directories(parent) && (CreateDirectoryW(path, NULL) || GetLastError() == ERROR_ALREADY_EXISTS);
        if (!ok) {
            copy_failed(L"create the directory", path);
        }
    } else {
        copy_failed(L"create the directory", path);
    }
    free(parent);
    return ok;
}

static BOOL copy_tree(const wchar_t *from, const wchar_t *to) {
    DWORD attributes = GetFileAttributesW(from);
    if (attributes == INVALID_FILE_ATTRIBUTES) {
        return copy_failed(L"read", from);
    }
    if (!(attributes & FILE_ATTRIBUTE_DIRECTORY)) {
        return CopyFileW(from, to, FALSE) ? TRUE : copy_failed(L"copy the file", from);
    }
    if (!CreateDirectoryW(to, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
        return copy_failed(L"create the directory", to);
    }
    wchar_t *pattern = join_path(from, L"*");
    WIN32_FIND_DATAW entry;
    HANDLE find = FindFirstFileW(pattern, &entry);
    free(pattern);
    if (find == INVALID_HANDLE_VALUE) {
        return GetLastError() == ERROR_FILE_NOT_FOUND ? TRUE : copy_failed(L"list", from);
    }
    BOOL ok = TRUE;
    do {
        if (wcscmp(entry.cFileName, L".") == 0 || wcscmp(entry.cFileName, L"..") == 0) {
            continue;
        }
        wchar_t *source = join_path(from, entry.cFileName);
        wchar_t *target = join_path(to, entry.cFileName);
        ok = copy_tree(source, target);
        free(source);
        free(target);
    } while (ok && FindNextFileW(find, &entry));
    FindClose(find);
    return ok;
}

static int copy_command(const wchar_t *encoded_from, const wchar_t *encoded_to) {
    wchar_t *from = decode_utf16(encoded_from);
    wchar_t *to = decode_utf16(encoded_to);
    if (from == NULL || to == NULL || from[0] == 0 || to[0] == 0) {
        return usage(L"--copy needs two non-empty paths, each base64 of UTF-16LE");
    }
    if (GetFileAttributesW(from) == INVALID_FILE_ATTRIBUTES) {
        copy_failed(L"read", from);
        return 1;
    }
    /* As cp -R does: into an existing directory, under FROM's own name. */
    DWORD existing = GetFileAttributesW(to);
    if (existing != INVALID_FILE_ATTRIBUTES && (existing & FILE_ATTRIBUTE_DIRECTORY)
            && !(existing & FILE_ATTRIBUTE_REPARSE_POINT)) {
        size_t length = wcslen(from);
        while (length > 0 && (from[length - 1] == L'\\' || from[length - 1] == L'/')) {
            from[--length] = 0;
        }
        const wchar_t *name = from + length;
        while (name > from && name[-1] != L'\\' && name[-1] != L'/') {
            name--;
        }
        to = join_path(to, name);
        if (to == NULL) {
            copy_failed(L"allocate a path for", from);
            return 1;
        }
    }
    wchar_t *parent = _wcsdup(to);
    wchar_t *slash = wcsrchr(parent, L'\\');
    wchar_t *other = wcsrchr(parent, L'/');
    if (other > slash) {
        slash = other;
    }
    /* Not for "C:\x" (parent "C:") nor a share's root. */
    if (slash != NULL && slash > parent && slash[-1] != L':' && slash[-1] != L'\\') {
        *slash = 0;
        if (!make_directories(parent)) {
            free(parent);
            return 1;
        }
    }
    free(parent);
    return copy_tree(from, to) ? 0 : 1;
}

static int usage(const wchar_t *problem) {
    wchar_t message[1024];
    _snwprintf(message, 1023, L"%ls. Usage: osrun-exec.exe [--job-dir PATH | --stdin PATH --stdout PATH --stderr PATH] "
               L"[--remove PATH]... [--cwd B64] [--env B64]... [--timeout-ms N] [--] COMMAND_LINE_BASE64, or osrun-exec.exe --copy FROM_B64 TO_B64 "
               L"(base64 of UTF-16LE)", problem);
    message[1023] = 0;
    report(message, 0);
    return EXIT_SETUP;
}

int wmain(int argc, wchar_t **argv) {
    if (argc >= 2 && wcscmp(argv[1], L"--copy") == 0) {
        return argc == 4 ? copy_command(argv[2], argv[3]) : usage(L"--copy needs exactly FROM and TO");
    }
    const wchar_t *job_dir = NULL, *stdin_path = NULL, *stdout_path = NULL, *stderr_path = NULL;
    const wchar_t *encoded_line = NULL;
    const wchar_t *remove[MAX_REMOVE];
    int remove_count = 0;
    wchar_t *cwd = NULL;
    wchar_t *env[MAX_ENV];
    int env_count = 0;
    DWORD timeout = INFINITE;

    for (int i = 1; i < argc; i++) {
        const wchar_t *arg = argv[i];
        BOOL has_value = i + 1 < argc;
        if (wcscmp(arg, L"--") == 0) {
            if (i + 2 != argc) {
                return usage(L"exactly one command line must follow --");
            }
            encoded_line = argv[i + 1];
            break;
        } else if (wcscmp(arg, L"--job-dir") == 0 && has_value) {
            job_dir = argv[++i];
        } else if (wcscmp(arg, L"--stdin") == 0 && has_value) {
            stdin_path = argv[++i];
        } else if (wcscmp(arg, L"--stdout") == 0 && has_value) {
            stdout_path = argv[++i];
        } else if (wcscmp(arg, L"--stderr") == 0 && has_value) {
            stderr_path = argv[++i];
        } else if (wcscmp(arg, L"--remove") == 0 && has_value) {
            if (remove_count == MAX_REMOVE) {
                return usage(L"too many --remove options (at most 256)");
            }
            remove[remove_count++] = argv[++i];
        } else if (wcscmp(arg, L"--cwd") == 0 && has_value) {
            cwd = decode_utf16(argv[++i]);
            if (cwd == NULL) {
                return usage(L"--cwd needs base64 of UTF-16LE");
            }
        } else if (wcscmp(arg, L"--env") == 0 && has_value) {
            if (env_count == MAX_ENV) {
                return usage(L"too many --env options (at most 64)");
            }
            wchar_t *entry = decode_utf16(argv[++i]);
            if (entry == NULL || wcschr(entry + 1, L'=') == NULL) {
                return usage(L"--env needs base64 of UTF-16LE \"NAME=VALUE\"");
            }
            env[env_count++] = entry;
        } else if (wcscmp(arg, L"--timeout-ms") == 0 && has_value) {
            wchar_t *end;
            unsigned long value = wcstoul(argv[++i], &end, 10);
            if (*end != 0 || end == argv[i] || value >= INFINITE) {
                return usage(L"--timeout-ms needs a number of milliseconds");
            }
            timeout = (DWORD) value;
        } else if (arg[0] == L'-' && arg[1] == L'-') {
            return usage(L"unknown option or missing value");
        } else {
            if (i + 1 != argc) {
                return usage(L"the command line must be the last argument");
            }
            encoded_line = arg;
        }
    }
    if (encoded_line == NULL) {
        return usage(L"no command line given");
    }
    if (job_dir != NULL && (stdin_path || stdout_path || stderr_path)) {
        return usage(L"--job-dir cannot be combined with --stdin, --stdout or --stderr");
    }
    wchar_t *line = decode_utf16(encoded_line);
    if (line == NULL || line[0] == 0) {
        return usage(L"the command line is not base64 of a non-empty UTF-16LE text");
    }
    if (wcslen(line) >= MAX_COMMAND_LINE) {
        report(L"the command line is longer than Windows allows (32,766 characters)", 0);
        return EXIT_SETUP;
    }

    for (int i = 0; i < remove_count; i++) {
        if (!DeleteFileW(remove[i]) && GetLastError() != ERROR_FILE_NOT_FOUND && GetLastError() != ERROR_PATH_NOT_FOUND) {
            /* Not fatal: the command must run all the same; the file stays until a later attempt or the VM's end. */
            wchar_t message[1200];
            _snwprintf(message, 1199, L"warning: cannot delete %ls", remove[i]);
            message[1199] = 0;
            report(message, GetLastError());
        }
    }

    HANDLE in = INVALID_HANDLE_VALUE, out = INVALID_HANDLE_VALUE, err = INVALID_HANDLE_VALUE;
    if (job_dir != NULL) {
        wchar_t original[MAX_PATH * 4];
        DWORD kept = GetCurrentDirectoryW(MAX_PATH * 4, original);
        if (!SetCurrentDirectoryW(job_dir)) {
            report(L"cannot enter the job directory", GetLastError());
            return EXIT_SETUP;
        }
        in = open_file(L"in", TRUE);
        out = open_file(L"out", FALSE);
        err = open_file(L"err", FALSE);
        DWORD error = GetLastError();
        if (kept > 0 && kept < MAX_PATH * 4) {
            SetCurrentDirectoryW(original);
        }
        if (err != INVALID_HANDLE_VALUE) {
            error_out = err;
        }
        if (in == INVALID_HANDLE_VALUE || out == INVALID_HANDLE_VALUE || err == INVALID_HANDLE_VALUE) {
            report(L"cannot open in, out and err in the job directory", error);
            return EXIT_SETUP;
        }
    } else {
        if (stderr_path != NULL && (stdout_path == NULL || wcscmp(stderr_path, stdout_path) != 0)) {
            err = open_output(stderr_path);
            if (err == INVALID_HANDLE_VALUE) {
                report(L"cannot open the --stderr file", GetLastError());
                return EXIT_SETUP;
            }
            error_out = err;
        }
        if (stdout_path != NULL) {
            out = open_output(stdout_path);
            if (out == INVALID_HANDLE_VALUE) {
                report(L"cannot open the --stdout file", GetLastError());
                return EXIT_SETUP;
            }
            if (stderr_path != NULL && err == INVALID_HANDLE_VALUE) {
                err = out;
                error_out = out;
            }
        }
        if (stdin_path != NULL) {
            in = open_file(stdin_path, TRUE);
            if (in == INVALID_HANDLE_VALUE) {
                report(L"cannot open the --stdin file", GetLastError());
                return EXIT_SETUP;
            }
        }
    }
    if (in == INVALID_HANDLE_VALUE) in = inherited_std(STD_INPUT_HANDLE); else keep_own(STD_INPUT_HANDLE);
    if (out == INVALID_HANDLE_VALUE) out = inherited_std(STD_OUTPUT_HANDLE); else keep_own(STD_OUTPUT_HANDLE);
    if (err == INVALID_HANDLE_VALUE) err = inherited_std(STD_ERROR_HANDLE); else keep_own(STD_ERROR_HANDLE);

    for (int i = 0; i < env_count; i++) {
        wchar_t *equals = wcschr(env[i] + 1, L'=');
        *equals = 0;
        if (!SetEnvironmentVariableW(env[i], equals + 1)) {
            report(L"cannot set an --env variable", GetLastError());
            return EXIT_SETUP;
        }
    }

    HANDLE job = CreateJobObjectW(NULL, NULL);
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits;
    ZeroMemory(&limits, sizeof limits);
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (job == NULL || !SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof limits)) {
        report(L"cannot create the job object", GetLastError());
        return EXIT_SETUP;
    }

    STARTUPINFOW startup;
    ZeroMemory(&startup, sizeof startup);
    startup.cb = sizeof startup;
    startup.dwFlags = STARTF_USESTDHANDLES;
    startup.hStdInput = in;
    startup.hStdOutput = out;
    startup.hStdError = err;
    PROCESS_INFORMATION process;
    if (!CreateProcessW(NULL, line, NULL, NULL, TRUE, CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT, NULL, cwd,
                        &startup, &process)) {
        DWORD error = GetLastError();
        report(L"cannot start the command", error);
        return error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND ? EXIT_NOT_FOUND : EXIT_CANNOT_START;
    }
    if (!AssignProcessToJobObject(job, process.hProcess)) {
        DWORD error = GetLastError();
        TerminateProcess(process.hProcess, EXIT_SETUP);
        report(L"cannot put the command into the job object", error);
        return EXIT_SETUP;
    }
    ResumeThread(process.hThread);
    CloseHandle(process.hThread);

    if (WaitForSingleObject(process.hProcess, timeout) == WAIT_TIMEOUT) {
        TerminateJobObject(job, EXIT_TIMEOUT);
        /* Termination is asynchronous: exit only when no process of the tree is left (at most 10 s). */
        for (int waited = 0; waited < 10000; waited += 20) {
            JOBOBJECT_BASIC_ACCOUNTING_INFORMATION accounting;
            if (!QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &accounting, sizeof accounting,
                                           NULL) || accounting.ActiveProcesses == 0) {
                break;
            }
            Sleep(20);
        }
        wchar_t message[128];
        _snwprintf(message, 127, L"timeout after %lu ms: killed the command and every process it started",
                   (unsigned long) timeout);
        message[127] = 0;
        report(message, 0);
        return EXIT_TIMEOUT;
    }
    DWORD code = EXIT_SETUP;
    GetExitCodeProcess(process.hProcess, &code);
    /* Normal exit: processes the command left in the background survive the launcher. */
    limits.BasicLimitInformation.LimitFlags = 0;
    SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof limits);
    return (int) code;
}
