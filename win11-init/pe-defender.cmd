@echo off
rem osrun, windowsPE pass, in the background (started by pe.cmd): disables Microsoft Defender in the newly written
rem Windows before it first boots, by editing its SYSTEM hive offline (services Start=4, "disabled").
rem
rem Why offline: on 24H2, Tamper Protection refuses online changes to Defender's services and settings ("access
rem denied"); a hive edited while its system is not running is simply what that system boots with.
rem Where: 24H2's Setup writes the new system under C:\$Windows.~BT\NewOS first; older Setup writes C:\Windows.
rem The hive is taken as complete once SYSTEM.LOG1 and SYSTEM.LOG2 exist beside it; reg load is retried while
rem Setup still holds the file. The first-boot script checks the result and fails provisioning if Defender is on.
setlocal EnableExtensions
set /a POLLS=0
:poll
for %%d in (C D E F G H I J K L M N O P Q R S T U V W Y Z) do (
  if exist "%%d:\$Windows.~BT\NewOS\Windows\System32\config\SYSTEM.LOG2" (
    call :edit "%%d:\$Windows.~BT\NewOS\Windows" && exit /b 0
  )
  if exist "%%d:\Windows\System32\config\SYSTEM.LOG2" if exist "%%d:\Windows\System32\config\SYSTEM.LOG1" (
    call :edit "%%d:\Windows" && exit /b 0
  )
)
ping.exe -n 2 127.0.0.1 >nul
set /a POLLS+=1
rem About two hours of one-second polls, then give up (Setup would long have rebooted).
if %POLLS% LSS 7200 goto poll
call :log FAIL "no new SYSTEM hive appeared within two hours: Defender could not be disabled offline"
exit /b 1

rem :edit WINDIR - loads WINDIR\System32\config\SYSTEM, sets Start=4 for each Defender service that exists, unloads.
:edit
set "HIVE=%~1\System32\config\SYSTEM"
reg.exe load HKLM\OSRUN_OFFLINE "%HIVE%" >nul 2>&1 || exit /b 1
call :log INFO "loaded the new system's hive %HIVE%"
set "FAILED="
for %%s in (Sense WdBoot WdFilter WdNisDrv WdNisSvc WinDefend MDCoreSvc) do (
  reg.exe query "HKLM\OSRUN_OFFLINE\ControlSet001\Services\%%s" >nul 2>&1 && (
    reg.exe add "HKLM\OSRUN_OFFLINE\ControlSet001\Services\%%s" /v Start /t REG_DWORD /d 4 /f >nul 2>&1 && (
      call :log INFO "service %%s: Start=4 (disabled) in the offline hive"
    ) || (
      call :log WARN "service %%s: cannot set Start=4 in the offline hive"
      set "FAILED=1"
    )
  )
)
set /a TRIES=0
:unload
reg.exe unload HKLM\OSRUN_OFFLINE >nul 2>&1 && goto unloaded
set /a TRIES+=1
ping.exe -n 2 127.0.0.1 >nul
if %TRIES% LSS 30 goto unload
call :log WARN "cannot unload the offline hive: Setup may fail to write it"
:unloaded
if defined FAILED (call :log WARN "Defender: some services could not be disabled offline") else (call :log INFO "Defender: disabled offline")
rem Leave this pass's log where the first-boot script finds it (Windows\Temp of the new system).
if exist "%~1\Temp" copy /y X:\osrun-pe.log "%~1\Temp\osrun-pe.log" >nul 2>&1
exit /b 0

:log
set "STAMP=%DATE:~-10%T%TIME: =0%"
set "STAMP=%STAMP:/=-%"
>>X:\osrun-pe.log echo OSRUN %STAMP% windowsPE %~1 %~2
>COM1 echo OSRUN %STAMP% windowsPE %~1 %~2 2>nul
exit /b 0
