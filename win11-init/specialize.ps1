# osrun, specialize pass: the first boot of the installed Windows, as SYSTEM, before any user exists. Started by
# autounattend.xml from the osrun answer medium: specialize.ps1 -Medium E:
#
# Strips what a disposable test VM must not run (Windows Update, Edge's updaters, SmartScreen, scheduled
# maintenance, the firewall, System Restore, WinRE, error reporting, the page file, indexing, sleep, hibernation),
# turns long paths on and NTP off, makes UTF-8 the system code page, checks that Defender was disabled offline in
# windowsPE, and puts osrun-exec.exe in place. Setup reboots when this pass ends (never reboot from here).
param(
    [Parameter(Mandatory = $true)][string]$Medium
)
. (Join-Path $Medium 'common.ps1')
Initialize-OsrunLog 'specialize'

$marker = 'C:\osrun\logs\specialize.started'
if (Test-Path -LiteralPath $marker) {
    # The autounattend loop found a second copy of the medium: this pass already ran.
    exit 0
}
Set-Content -LiteralPath $marker -Value 'started'

function Disable-OsrunService([string]$Name) {
    $key = "HKLM:\SYSTEM\CurrentControlSet\Services\$Name"
    if (Test-Path -LiteralPath $key) {
        Set-OsrunRegistry $key 'Start' 4
    }
}

function Disable-OsrunTask([string]$Path, [string]$Name) {
    $task = Get-ScheduledTask -TaskPath $Path -TaskName $Name -ErrorAction SilentlyContinue
    if ($null -ne $task) {
        Disable-ScheduledTask -InputObject $task | Out-Null
    }
}

Complete-OsrunPhase {
    Invoke-OsrunStep 'SMB client: allow guest logons, do not require signing (24H2 and QEMU share)' {
        Set-OsrunSmbClient
    }
    if (Wait-OsrunShare 120) {
        Write-OsrunLog 'INFO' "share \\10.0.2.4\qemu reachable; status lines now go to $($script:OsrunStatus) too"
    } else {
        Write-OsrunLog 'WARN' 'share \\10.0.2.4\qemu not reachable within 120 s in specialize; first logon checks again'
    }
    $peLog = 'C:\Windows\Temp\osrun-pe.log'
    if (Test-Path -LiteralPath $peLog) {
        Write-OsrunLog 'INFO' ('windowsPE log: ' + ((Get-Content -LiteralPath $peLog) -join ' | '))
    }

    Invoke-OsrunStep 'Defender: check that windowsPE disabled it offline' {
        $services = @('Sense', 'WdBoot', 'WdFilter', 'WdNisDrv', 'WdNisSvc', 'WinDefend')
        $enabled = @()
        foreach ($name in $services) {
            $key = "HKLM:\SYSTEM\CurrentControlSet\Services\$name"
            if ((Test-Path -LiteralPath $key) -and ((Get-ItemProperty -LiteralPath $key).Start -ne 4)) {
                $enabled += $name
            }
        }
        if ($enabled.Count -gt 0) {
            # Last resort, refused by Tamper Protection on 24H2 but accepted by older builds.
            foreach ($name in $enabled) {
                try { Disable-OsrunService $name } catch { $null = $_ }
            }
            $still = @($enabled | Where-Object {
                    (Get-ItemProperty -LiteralPath "HKLM:\SYSTEM\CurrentControlSet\Services\$_").Start -ne 4 })
            if ($still.Count -gt 0) {
                throw ("Defender services still enabled: $($still -join ', '). The windowsPE watcher " +
                        '(pe-defender.cmd) did not edit the new SYSTEM hive; see the windowsPE lines of the serial log')
            }
        }
        Set-OsrunRegistry 'HKLM:\SOFTWARE\Policies\Microsoft\Windows Defender Security Center\Notifications' 'DisableNotifications' 1
        Set-OsrunRegistry 'HKLM:\SOFTWARE\Policies\Microsoft\Windows Defender' 'DisableAntiSpyware' 1
    }

    Invoke-OsrunStep 'Windows Update: services and policy off' {
        Disable-OsrunService 'wuauserv'
        $au = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU'
        Set-OsrunRegistry $au 'NoAutoUpdate' 1
        Set-OsrunRegistry $au 'AUOptions' 1
        Set-OsrunRegistry 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate' 'DisableWindowsUpdateAccess' 1
        Set-OsrunRegistry 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\DeliveryOptimization' 'DODownloadMode' 0
    }
    Invoke-OsrunStep 'Windows Update: orchestrator, medic and delivery services (protected, may refuse)' -BestEffort {
        $refused = @()
        foreach ($name in @('UsoSvc', 'WaaSMedicSvc', 'DoSvc')) {
            try { Disable-OsrunService $name } catch { $refused += $name }
        }
        if ($refused.Count -gt 0) {
            throw "refused for $($refused -join ', ')"
        }
    }
    Invoke-OsrunStep 'Windows Update: scheduled tasks (some are protected)' -BestEffort {
        foreach ($path in @('\Microsoft\Windows\WindowsUpdate\', '\Microsoft\Windows\UpdateOrchestrator\',
                '\Microsoft\Windows\WaaSMedic\')) {
            foreach ($task in @(Get-ScheduledTask -TaskPath $path -ErrorAction SilentlyContinue)) {
                try { Disable-ScheduledTask -InputObject $task | Out-Null } catch { $null = $_ }
            }
        }
    }

    Invoke-OsrunStep 'Edge: updaters off, no first-run or background (24H2 refuses to uninstall it outside the EEA)' {
        foreach ($name in @('edgeupdate', 'edgeupdatem', 'MicrosoftEdgeElevationService')) {
            Disable-OsrunService $name
        }
        Set-OsrunRegistry 'HKLM:\SOFTWARE\Microsoft\EdgeUpdate' 'DoNotUpdateToEdgeWithChromium' 1
        Set-OsrunRegistry 'HKLM:\SOFTWARE\Policies\Microsoft\EdgeUpdate' 'UpdateDefault' 0
        $edge = 'HKLM:\SOFTWARE\Policies\Microsoft\Edge'
        Set-OsrunRegistry $edge 'HideFirstRunExperience' 1
        Set-OsrunRegistry $edge 'BackgroundModeEnabled' 0
        Set-OsrunRegistry $edge 'StartupBoostEnabled' 0
        foreach ($task in @(Get-ScheduledTask -TaskName 'MicrosoftEdgeUpdate*' -ErrorAction SilentlyContinue)) {
            Disable-ScheduledTask -InputObject $task | Out-Null
        }
    }

    Invoke-OsrunStep 'SmartScreen and Smart App Control off' {
        Set-OsrunRegistry 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\System' 'EnableSmartScreen' 0
        Set-OsrunRegistry 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Explorer' 'SmartScreenEnabled' 'Off' 'String'
        $wtds = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\WTDS\Components'
        foreach ($name in @('ServiceEnabled', 'NotifyMalicious', 'NotifyPasswordReuse', 'NotifyUnsafeApp')) {
            Set-OsrunRegistry $wtds $name 0
        }
        # Smart App Control would block unsigned programs such as osrun-exec.exe.
        Set-OsrunRegistry 'HKLM:\SYSTEM\CurrentControlSet\Control\CI\Policy' 'VerifiedAndReputablePolicyState' 0
    }

    Invoke-OsrunStep 'scheduled maintenance off' {
        Set-OsrunRegistry 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Schedule\Maintenance' 'MaintenanceDisabled' 1
        $named = @(
            @('\Microsoft\Windows\Defrag\', 'ScheduledDefrag'),
            @('\Microsoft\Windows\Chkdsk\', 'ProactiveScan'),
            @('\Microsoft\Windows\DiskCleanup\', 'SilentCleanup'),
            @('\Microsoft\Windows\Maintenance\', 'WinSAT'),
            @('\Microsoft\Windows\Servicing\', 'StartComponentCleanup'),
            @('\Microsoft\Windows\Customer Experience Improvement Program\', 'Consolidator'),
            @('\Microsoft\Windows\Windows Error Reporting\', 'QueueReporting'),
            @('\Microsoft\Windows\Application Experience\', 'Microsoft Compatibility Appraiser'),
            @('\Microsoft\Windows\Application Experience\', 'ProgramDataUpdater'))
        foreach ($pair in $named) {
            Disable-OsrunTask $pair[0] $pair[1]
        }
    }
    Invoke-OsrunStep 'tasks with idle triggers off' -BestEffort {
        foreach ($task in @(Get-ScheduledTask -ErrorAction SilentlyContinue)) {
            $idle = @($task.Triggers | Where-Object { $null -ne $_ -and $_.CimClass.CimClassName -eq 'MSFT_TaskIdleTrigger' })
            if ($idle.Count -gt 0 -and $task.State -ne 'Disabled') {
                try { Disable-ScheduledTask -InputObject $task | Out-Null } catch { $null = $_ }
            }
        }
    }

    Invoke-OsrunStep 'firewall off' {
        # An array literal instead of the bare list "-Profile Domain, Private, Public", which means the same to
        # PowerShell but which tree-sitter-powershell (the CI's parser) rejects.
        Set-NetFirewallProfile -Profile @('Domain', 'Private', 'Public') -Enabled False
    }
    Invoke-OsrunStep 'System Restore off (policy; first logon turns the running service off too)' {
        $sr = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\SystemRestore'
        Set-OsrunRegistry $sr 'DisableSR' 1
        Set-OsrunRegistry $sr 'DisableConfig' 1
    }
    Invoke-OsrunStep 'WinRE off and its image removed' -BestEffort {
        Invoke-OsrunNative 'reagentc.exe' @('/disable') -Success @(0, 2) -TimeoutMinutes 5 | Out-Null
        foreach ($wim in @('C:\Windows\System32\Recovery\Winre.wim', 'C:\Recovery\WindowsRE\Winre.wim')) {
            if (Test-Path -LiteralPath $wim) {
                Remove-Item -LiteralPath $wim -Force
            }
        }
    }
    Invoke-OsrunStep 'error reporting off' {
        Set-OsrunRegistry 'HKLM:\SOFTWARE\Microsoft\Windows\Windows Error Reporting' 'Disabled' 1
        Set-OsrunRegistry 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\Windows Error Reporting' 'Disabled' 1
        Set-OsrunRegistry 'HKLM:\SYSTEM\CurrentControlSet\Control\CrashControl' 'AutoReboot' 0
        Disable-OsrunService 'WerSvc'
    }
    Invoke-OsrunStep 'page file off' {
        $memory = 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager\Memory Management'
        Set-OsrunRegistry $memory 'PagingFiles' ([string[]]@()) 'MultiString'
        Set-OsrunRegistry $memory 'ExistingPageFiles' ([string[]]@()) 'MultiString'
        $system = Get-CimInstance -ClassName Win32_ComputerSystem
        if ($system.AutomaticManagedPagefile) {
            Set-CimInstance -InputObject $system -Property @{ AutomaticManagedPagefile = $false }
        }
    }
    Invoke-OsrunStep 'indexing off' {
        Disable-OsrunService 'WSearch'
    }
    Invoke-OsrunStep 'sleep, hibernation and fast startup off' {
        Invoke-OsrunNative 'powercfg.exe' @('/hibernate', 'off') -TimeoutMinutes 2 | Out-Null
        foreach ($setting in @('monitor-timeout-ac', 'standby-timeout-ac', 'hibernate-timeout-ac', 'disk-timeout-ac')) {
            Invoke-OsrunNative 'powercfg.exe' @('/change', $setting, '0') -TimeoutMinutes 2 | Out-Null
        }
        Set-OsrunRegistry 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager\Power' 'HiberbootEnabled' 0
        Set-OsrunRegistry 'HKLM:\SYSTEM\CurrentControlSet\Control\Power' 'HibernateEnabled' 0
    }
    Invoke-OsrunStep 'long paths on' {
        Set-OsrunRegistry 'HKLM:\SYSTEM\CurrentControlSet\Control\FileSystem' 'LongPathsEnabled' 1
    }
    Invoke-OsrunStep 'NTP off (the host sets the clock after every restore)' {
        Set-OsrunRegistry 'HKLM:\SYSTEM\CurrentControlSet\Services\W32Time\Parameters' 'Type' 'NoSync' 'String'
        Disable-OsrunService 'W32Time'
        Disable-OsrunTask '\Microsoft\Windows\Time Synchronization\' 'SynchronizeTime'
    }
    Invoke-OsrunStep 'UTF-8 as the system code page (ACP, OEMCP, MACCP 65001; applies after the reboot)' {
        $codePage = 'HKLM:\SYSTEM\CurrentControlSet\Control\Nls\CodePage'
        foreach ($name in @('ACP', 'OEMCP', 'MACCP')) {
            Set-OsrunRegistry $codePage $name '65001' 'String'
        }
    }
    Invoke-OsrunStep 'built-in Administrator enabled (the account that logs on automatically)' {
        Invoke-OsrunNative 'net.exe' @('user', 'Administrator', '/active:yes') -TimeoutMinutes 2 | Out-Null
    }
    Invoke-OsrunStep 'OOBE: no network page' {
        Set-OsrunRegistry 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\OOBE' 'BypassNRO' 1
    }
    Invoke-OsrunStep 'osrun-exec.exe to C:\osrun\osrun-exec.exe' {
        $source = Join-Path $Medium 'osrun-exec.exe'
        if (-not (Test-Path -LiteralPath $source)) {
            throw "$source is missing from the answer medium"
        }
        Copy-Item -LiteralPath $source -Destination 'C:\osrun\osrun-exec.exe' -Force
    }
}
