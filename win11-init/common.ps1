# osrun provisioning: what specialize.ps1 and first-logon.ps1 share (dot-sourced). Logging, steps that fail loudly,
# native commands with a bound on their run time, registry values, the SMB client settings for QEMU's share, and
# the wait until Windows is quiet.
#
# Every status line reads "OSRUN <UTC time> <phase> <LEVEL> <message>", LEVEL one of INFO, WARN, DONE, FAIL. It goes
# to COM1 (QEMU's serial log: the recipe's authoritative record), to C:\osrun\logs\provision.log and, once the SMB
# client is configured, to \\10.0.2.4\qemu\status.txt (what a user tails).

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$ConfirmPreference = 'None'

$script:OsrunPhase = 'unknown'
$script:OsrunShareReady = $false
$script:OsrunStatus = '\\10.0.2.4\qemu\status.txt'
$script:OsrunLogDir = 'C:\osrun\logs'
$script:OsrunLocalLog = Join-Path $script:OsrunLogDir 'provision.log'

function Initialize-OsrunLog([string]$Phase) {
    $script:OsrunPhase = $Phase
    New-Item -ItemType Directory -Force -Path $script:OsrunLogDir | Out-Null
}

function Write-OsrunSerial([string]$Line) {
    try {
        $port = New-Object System.IO.Ports.SerialPort 'COM1', 115200
        $port.WriteTimeout = 2000
        $port.Open()
        try {
            $port.Write($Line + "`r`n")
        } finally {
            $port.Close()
        }
    } catch {
        # No serial port (or it is busy): the other two copies of the line remain.
        $null = $_
    }
}

function Write-OsrunLog([string]$Level, [string]$Message) {
    $stamp = [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ssZ', [Globalization.CultureInfo]::InvariantCulture)
    $flat = ($Message -replace '[\r\n]+', ' | ')
    $line = "OSRUN $stamp $($script:OsrunPhase) $Level $flat"
    Write-OsrunSerial $line
    try {
        [IO.File]::AppendAllText($script:OsrunLocalLog, $line + "`r`n", [Text.Encoding]::UTF8)
    } catch {
        $null = $_
    }
    if ($script:OsrunShareReady) {
        for ($try = 1; $try -le 3; $try++) {
            try {
                [IO.File]::AppendAllText($script:OsrunStatus, $line + "`n", [Text.Encoding]::UTF8)
                break
            } catch {
                Start-Sleep -Milliseconds 300
            }
        }
    }
}

# Runs one named step. A failure is logged and ends provisioning (the phase's FAIL line), unless -BestEffort,
# which is kept for steps that Windows may legitimately refuse (protected tasks and services); those log WARN.
function Invoke-OsrunStep([string]$Name, [scriptblock]$Action, [switch]$BestEffort) {
    Write-OsrunLog 'INFO' "$Name ..."
    $started = [Diagnostics.Stopwatch]::StartNew()
    try {
        & $Action
    } catch {
        $reason = $_.Exception.Message
        if ($BestEffort) {
            Write-OsrunLog 'WARN' "${Name}: skipped: $reason"
            return
        }
        throw "${Name}: $reason"
    }
    Write-OsrunLog 'INFO' ("${Name}: ok ({0:n1} s)" -f $started.Elapsed.TotalSeconds)
}

# Runs a program with stdin from an empty file (so nothing can wait for a prompt), its output in a log file, and a
# bound on its run time. Throws, naming the tail of its output, when it exits with a code not in -Success or
# outlives -TimeoutMinutes (then it is killed).
function Invoke-OsrunNative {
    param(
        [Parameter(Mandatory = $true)][string]$FilePath,
        [string[]]$ArgumentList = @(),
        [int[]]$Success = @(0),
        [int]$TimeoutMinutes = 30
    )
    $name = [IO.Path]::GetFileNameWithoutExtension($FilePath)
    $stamp = [DateTime]::UtcNow.ToString('HHmmssfff')
    $out = Join-Path $script:OsrunLogDir "$name-$stamp.out.txt"
    $err = Join-Path $script:OsrunLogDir "$name-$stamp.err.txt"
    $empty = Join-Path $script:OsrunLogDir 'empty-stdin.txt'
    [IO.File]::WriteAllText($empty, '')
    $start = @{
        FilePath = $FilePath
        NoNewWindow = $true
        PassThru = $true
        RedirectStandardInput = $empty
        RedirectStandardOutput = $out
        RedirectStandardError = $err
    }
    if ($ArgumentList.Count -gt 0) {
        $start.ArgumentList = $ArgumentList
    }
    $process = Start-Process @start
    # Windows PowerShell reports no ExitCode for a process whose handle it did not open before the exit.
    $null = $process.Handle
    # Not Start-Process -Wait: it also waits for every child the program leaves behind.
    if (-not $process.WaitForExit($TimeoutMinutes * 60000)) {
        & taskkill.exe /F /T /PID $process.Id 2>&1 | Out-Null
        throw "$FilePath $($ArgumentList -join ' ') did not finish within $TimeoutMinutes min and was killed"
    }
    $code = $process.ExitCode
    if ($Success -notcontains $code) {
        $tail = @()
        foreach ($file in @($out, $err)) {
            if (Test-Path -LiteralPath $file) {
                $tail += @(Get-Content -LiteralPath $file -Tail 5 -ErrorAction SilentlyContinue)
            }
        }
        throw "$FilePath $($ArgumentList -join ' ') exited with $code; output ends: $($tail -join ' / ')"
    }
    return $code
}

# Sets a registry value, creating its key. Type is a RegistryValueKind name (DWord, String, MultiString ...).
function Set-OsrunRegistry([string]$Key, [string]$Name, $Value, [string]$Type = 'DWord') {
    if (-not (Test-Path -LiteralPath $Key)) {
        New-Item -Path $Key -Force | Out-Null
    }
    New-ItemProperty -LiteralPath $Key -Name $Name -Value $Value -PropertyType $Type -Force | Out-Null
}

# QEMU's share is a guest-only SMB share that cannot sign. Windows 11 24H2 (Pro from build 25267 on) refuses
# insecure guest logons and requires signing by default, so both are relaxed before the first access, in every
# pass that touches the share: the service parameters, the policy values, and the running client's configuration
# (Set-SmbClientConfiguration takes effect at once, a registry value only when the workstation service restarts).
function Set-OsrunSmbClient {
    $parameters = 'HKLM:\SYSTEM\CurrentControlSet\Services\LanmanWorkstation\Parameters'
    Set-OsrunRegistry $parameters 'AllowInsecureGuestAuth' 1
    Set-OsrunRegistry $parameters 'RequireSecuritySignature' 0
    Set-OsrunRegistry $parameters 'EnableSecuritySignature' 1
    Set-OsrunRegistry 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\LanmanWorkstation' 'AllowInsecureGuestAuth' 1
    Set-SmbClientConfiguration -EnableInsecureGuestLogons $true -RequireSecuritySignature $false -Force -Confirm:$false
}

# Waits until \\10.0.2.4\qemu answers (the network may come up after the script starts). True when it does.
function Wait-OsrunShare([int]$Seconds) {
    $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
    do {
        if (Test-Path -LiteralPath '\\10.0.2.4\qemu\') {
            $script:OsrunShareReady = $true
            return $true
        }
        Start-Sleep -Seconds 3
    } while ([DateTime]::UtcNow -lt $deadline)
    return $false
}

# The processes whose presence means Windows is still installing or servicing something.
$script:OsrunBusyProcesses = @('TiWorker', 'TrustedInstaller', 'msiexec', 'DismHost', 'MoUsoCoreWorker')

# Waits until none of the busy processes has run for three checks in a row (10 s apart), at most -Minutes.
# Returns the names still running when the time is up (empty when Windows became quiet).
function Wait-OsrunQuiet([int]$Minutes) {
    $deadline = [DateTime]::UtcNow.AddMinutes($Minutes)
    $quietChecks = 0
    $busy = @()
    while ([DateTime]::UtcNow -lt $deadline) {
        $busy = @(Get-Process -Name $script:OsrunBusyProcesses -ErrorAction SilentlyContinue |
                Select-Object -ExpandProperty ProcessName -Unique)
        if ($busy.Count -eq 0) {
            $quietChecks++
            if ($quietChecks -ge 3) {
                return @()
            }
        } else {
            $quietChecks = 0
        }
        Start-Sleep -Seconds 10
    }
    return $busy
}

# Finds the virtio-win files: first the medium's virtio\ folder (virtio\viostor\, virtio\NetKVM\,
# virtio\vioserial\ holding the Windows 11 amd64 files, virtio\qemu-ga-x86_64.msi), else a drive holding the
# virtio-win ISO itself (<driver>\w11\amd64\, guest-agent\qemu-ga-x86_64.msi). Returns Source, Agent (the MSI)
# and Drivers (name -> .inf files). Throws, naming what it looked for, when neither is complete.
function Find-OsrunVirtio([string]$Medium) {
    $names = @('viostor', 'NetKVM', 'vioserial')
    $layouts = @(@{ Root = (Join-Path $Medium 'virtio'); Driver = '{0}'; Agent = 'qemu-ga-x86_64.msi' })
    foreach ($drive in @(Get-PSDrive -PSProvider FileSystem -ErrorAction SilentlyContinue)) {
        $layouts += @{ Root = $drive.Root; Driver = '{0}\w11\amd64'; Agent = 'guest-agent\qemu-ga-x86_64.msi' }
    }
    foreach ($layout in $layouts) {
        $agent = Join-Path $layout.Root $layout.Agent
        if (-not (Test-Path -LiteralPath $agent)) {
            continue
        }
        $drivers = @{}
        foreach ($name in $names) {
            $dir = Join-Path $layout.Root ($layout.Driver -f $name)
            $infs = @(Get-ChildItem -LiteralPath $dir -Filter '*.inf' -File -ErrorAction SilentlyContinue |
                    Select-Object -ExpandProperty FullName)
            if ($infs.Count -gt 0) {
                $drivers[$name] = $infs
            }
        }
        if ($drivers.Count -eq $names.Count) {
            return @{ Source = $layout.Root; Agent = $agent; Drivers = $drivers }
        }
    }
    throw ("no virtio-win files found: expected $Medium\virtio\{viostor,NetKVM,vioserial}\*.inf and " +
            "$Medium\virtio\qemu-ga-x86_64.msi, or the virtio-win ISO (viostor\w11\amd64, guest-agent\) on a drive")
}

# Ends the phase: DONE, or FAIL with the reason; a failed phase powers the VM off so the recipe sees it at once.
function Complete-OsrunPhase([scriptblock]$Body) {
    try {
        & $Body
    } catch {
        Write-OsrunLog 'FAIL' $_.Exception.Message
        Stop-Computer -Force
        exit 1
    }
    Write-OsrunLog 'DONE' "$($script:OsrunPhase) complete"
}
