# osrun, first logon of the built-in Administrator (oobeSystem FirstLogonCommands; elevated, in the user's
# session, after Setup has finished). Started from the osrun answer medium: first-logon.ps1 -Medium E:
#
# Installs the QEMU guest agent from virtio-win (here, after Setup: the guest tools are reported to hang an
# unattended 24H2 Setup), turns off what only appears after OOBE, cleans up and compacts the system (component
# store, CompactOS, defrag, retrim), waits until Windows is quiet and shuts down. The recipe then boots the result
# once more and saves the 'provisioned' snapshot.
param(
    [Parameter(Mandatory = $true)][string]$Medium
)
. (Join-Path $Medium 'common.ps1')
Initialize-OsrunLog 'first-logon'

$marker = 'C:\osrun\logs\first-logon.started'
if (Test-Path -LiteralPath $marker) {
    exit 0
}
Set-Content -LiteralPath $marker -Value 'started'

Complete-OsrunPhase {
    Invoke-OsrunStep 'SMB client: allow guest logons, do not require signing (24H2 and QEMU share)' {
        Set-OsrunSmbClient
    }
    Invoke-OsrunStep 'share \\10.0.2.4\qemu reachable' {
        if (-not (Wait-OsrunShare 300)) {
            throw ('\\10.0.2.4\qemu did not answer within 300 s although guest logons are allowed and signing ' +
                    'is not required; every command of osrun needs it (check the e1000 NIC and the smb= option)')
        }
    }

    # virtio-win: from the medium's virtio\ folder, or from the virtio-win ISO itself on any drive.
    $virtio = Find-OsrunVirtio $Medium
    Write-OsrunLog 'INFO' "virtio-win files: $($virtio.Source)"
    # viostor: the run-time disk is virtio-blk (the recipe attaches a small virtio-blk disk during these steps, so
    # the boot-start driver binds now); NetKVM: the run-time NIC is virtio-net (staged, bound at the next boot);
    # vioserial: the guest agent's channel.
    foreach ($driver in @('viostor', 'NetKVM', 'vioserial')) {
        Invoke-OsrunStep "virtio driver $driver" {
            foreach ($inf in $virtio.Drivers[$driver]) {
                # 259: staged, no device to install it on yet; 3010: installed, completed by the next boot.
                Invoke-OsrunNative 'pnputil.exe' @('/add-driver', "`"$inf`"", '/install') -Success @(0, 259, 3010) -TimeoutMinutes 10 | Out-Null
            }
        }
    }
    Invoke-OsrunStep 'QEMU guest agent (virtio-win qemu-ga-x86_64.msi)' {
        $log = Join-Path $script:OsrunLogDir 'qemu-ga-msi.log'
        Invoke-OsrunNative 'msiexec.exe' @('/i', "`"$($virtio.Agent)`"", '/qn', '/norestart', '/l*v', "`"$log`"") -Success @(0, 3010) -TimeoutMinutes 15 | Out-Null
        # The MSI names the service QEMU-GA (qemu-ga's own code says qemu-ga; service names ignore case).
        $service = Get-Service -Name 'QEMU-GA' -ErrorAction SilentlyContinue
        if ($null -eq $service) {
            throw "the MSI succeeded but no QEMU-GA service exists; see $log"
        }
        Set-Service -Name 'QEMU-GA' -StartupType Automatic
    }

    # Already off by policy and by the answer file; this also drops any restore point Setup made.
    Invoke-OsrunStep 'System Restore off' -BestEffort {
        Disable-ComputerRestore -Drive 'C:\'
    }
    Invoke-OsrunStep 'tasks that OOBE added: idle and maintenance triggers off' -BestEffort {
        foreach ($task in @(Get-ScheduledTask -ErrorAction SilentlyContinue)) {
            $idle = @($task.Triggers | Where-Object { $null -ne $_ -and $_.CimClass.CimClassName -eq 'MSFT_TaskIdleTrigger' })
            if ($idle.Count -gt 0 -and $task.State -ne 'Disabled') {
                try { Disable-ScheduledTask -InputObject $task | Out-Null } catch { $null = $_ }
            }
        }
    }

    Invoke-OsrunStep 'wait until Windows is quiet (before the cleanup)' {
        $busy = @(Wait-OsrunQuiet 45)
        if ($busy.Count -gt 0) {
            Write-OsrunLog 'WARN' "still busy after 45 min: $($busy -join ', '); going on"
        }
    }
    Invoke-OsrunStep 'delivery optimization cache' -BestEffort {
        Delete-DeliveryOptimizationCache -Force
    }
    Invoke-OsrunStep 'temporary files and the update download cache' {
        foreach ($dir in @($env:TEMP, 'C:\Windows\Temp', 'C:\Windows\SoftwareDistribution\Download')) {
            if ($dir -and (Test-Path -LiteralPath $dir)) {
                Get-ChildItem -LiteralPath $dir -Force -ErrorAction SilentlyContinue |
                        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue
            }
        }
    }
    Invoke-OsrunStep 'component store cleanup (DISM /StartComponentCleanup /ResetBase)' {
        Invoke-OsrunNative 'dism.exe' @('/Online', '/English', '/NoRestart', '/Cleanup-Image', '/StartComponentCleanup', '/ResetBase') -TimeoutMinutes 90 | Out-Null
    }
    Invoke-OsrunStep 'CompactOS' {
        Invoke-OsrunNative 'compact.exe' @('/CompactOS:always') -TimeoutMinutes 90 | Out-Null
    }
    # defrag.exe rather than Optimize-Volume: a native command gets a time bound.
    Invoke-OsrunStep 'defragment C:' {
        Invoke-OsrunNative 'defrag.exe' @('C:', '/D', '/U') -TimeoutMinutes 60 | Out-Null
    }
    # Needs discard=unmap on QEMU's -drive; without it Windows reports the operation unsupported.
    Invoke-OsrunStep 'retrim C: (frees the image''s unused clusters)' -BestEffort {
        Invoke-OsrunNative 'defrag.exe' @('C:', '/L', '/U') -TimeoutMinutes 30 | Out-Null
    }
    Invoke-OsrunStep 'wait until Windows is quiet (before the shutdown)' {
        $busy = @(Wait-OsrunQuiet 30)
        if ($busy.Count -gt 0) {
            Write-OsrunLog 'WARN' "still busy after 30 min: $($busy -join ', '); shutting down anyway"
        }
    }
}
Stop-Computer -Force
