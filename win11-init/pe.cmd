@echo off
rem osrun, windowsPE pass (Windows Setup's WinPE, SYSTEM). Called by autounattend.xml with the drive letter of the
rem osrun answer medium (e.g. "call E:\pe.cmd E:"). WinPE has no PowerShell, hence cmd.
rem
rem Logs to COM1 (the recipe's serial log) and X:\osrun-pe.log. This pass never touches \\10.0.2.4\qemu: WinPE's
rem SMB client would refuse QEMU's guest-only share on 24H2 and nothing here can change that before first use.
rem
rem It starts pe-defender.cmd in the background, which waits for Setup to write the new system's SYSTEM hive and
rem disables Defender's services in it offline, before Defender ever runs (Tamper Protection cannot object to an
rem edit made while the system is not running).
setlocal EnableExtensions
if exist X:\osrun-pe.started exit /b 0
echo started>X:\osrun-pe.started
set "MEDIUM=%~1"
if "%MEDIUM%"=="" (
  call :log FAIL "pe.cmd needs the medium's drive letter as its argument"
  exit /b 1
)
call :log INFO "osrun answer medium found at %MEDIUM%"
start "osrun-defender" /min cmd.exe /d /c "%MEDIUM%\pe-defender.cmd"
if errorlevel 1 (
  call :log FAIL "cannot start %MEDIUM%\pe-defender.cmd"
  exit /b 1
)
call :log INFO "Defender watcher started: it edits the new SYSTEM hive offline once Setup has written it"
exit /b 0

rem :log LEVEL "MESSAGE" - one status line, "OSRUN <time> windowsPE <LEVEL> <message>", to COM1 and the log file.
rem The time is WinPE's %DATE%/%TIME% with spaces replaced (WinPE has no clock formatting beyond that).
:log
set "STAMP=%DATE:~-10%T%TIME: =0%"
set "STAMP=%STAMP:/=-%"
>>X:\osrun-pe.log echo OSRUN %STAMP% windowsPE %~1 %~2
>COM1 echo OSRUN %STAMP% windowsPE %~1 %~2 2>nul
exit /b 0
