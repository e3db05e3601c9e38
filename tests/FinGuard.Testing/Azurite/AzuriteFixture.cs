using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace FinGuard.Testing.Azurite;

/// <summary>
/// Runs the Azurite emulator (Blob, Queue, Table) from the repository's <c>node_modules</c> on free loopback
/// ports for the lifetime of a test assembly. Use it as an xunit collection fixture
/// (<c>[CollectionDefinition(AzuriteFixture.CollectionName)] class X : ICollectionFixture&lt;AzuriteFixture&gt;</c>)
/// so there is one Azurite per test assembly, and give each test its own containers, tables or chains.
/// Data lives in a temporary <c>--location</c> folder, so <see cref="StopAsync"/> followed by
/// <see cref="StartAsync"/> restarts the emulator on the same ports with its data intact (for fault tests).
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime, IDisposable
{
    public const string CollectionName = "Azurite";

    /// <summary>Azurite's well-known development account.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known, public development key (not a secret).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private const int MaxStartAttempts = 3;

    private readonly StringBuilder _output = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private Process? _process;
    private string? _location;

    public int BlobPort { get; private set; }

    public int QueuePort { get; private set; }

    public int TablePort { get; private set; }

    /// <summary>Connection string with explicit endpoints for the three ports; stable across restarts.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    public Uri BlobEndpoint => Endpoint(BlobPort);

    public Uri QueueEndpoint => Endpoint(QueuePort);

    public Uri TableEndpoint => Endpoint(TablePort);

    /// <summary>How long the last start took, until all three ports accepted connections.</summary>
    public TimeSpan LastStartDuration { get; private set; }

    public bool IsRunning => _process is { HasExited: false };

    public Task InitializeAsync() => StartAsync();

    public async Task DisposeAsync()
    {
        await StopAsync();
        if (_location is not null)
        {
            try
            {
                Directory.Delete(_location, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder left behind is harmless.
            }
        }
    }

    /// <summary>Last resort after <see cref="DisposeAsync"/> (xunit calls both): never leave a node process behind.</summary>
    public void Dispose()
    {
        if (_process is not null)
        {
            KillTree(_process);
            _process.Dispose();
            _process = null;
        }

        _lifecycle.Dispose();
    }

    /// <summary>Starts Azurite (no-op if running). The first start picks free ports; restarts reuse them.</summary>
    public async Task StartAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (IsRunning)
            {
                return;
            }

            var entry = FindAzuriteEntry();
            _location ??= Directory.CreateTempSubdirectory("finguard-azurite-").FullName;
            var keepPorts = BlobPort != 0;
            for (var attempt = 1; ; attempt++)
            {
                if (!keepPorts)
                {
                    (BlobPort, QueuePort, TablePort) = FreePorts();
                }

                ConnectionString = BuildConnectionString();
                try
                {
                    await StartProcessAsync(entry);
                    return;
                }
                catch (AzuriteStartException) when (attempt < MaxStartAttempts && !keepPorts)
                {
                    // Most likely a free port was taken between probing and binding: try other ports.
                }
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops Azurite gracefully (SIGTERM, so it saves its data), killing it if it does not exit in time.</summary>
    public async Task StopAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_process is null)
            {
                return;
            }

            if (!_process.HasExited)
            {
                if (!OperatingSystem.IsWindows() && NativeMethods.kill(_process.Id, NativeMethods.SigTerm) == 0)
                {
                    using var graceful = new CancellationTokenSource(StopTimeout);
                    try
                    {
                        await _process.WaitForExitAsync(graceful.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        // Fall through to the kill below.
                    }
                }

                KillTree(_process);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
            _process = null;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Kills Azurite at once (a crash, as far as clients can tell). Data saved since its last autosave may be lost.</summary>
    public async Task KillAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_process is not null)
            {
                KillTree(_process);
                await _process.WaitForExitAsync();
                _process.Dispose();
                _process = null;
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>What Azurite wrote to stdout and stderr so far (for diagnostics).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The repository root: the nearest folder above the test binaries that holds <c>FinGuard.sln</c>.</summary>
    public static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FinGuard.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above '{AppContext.BaseDirectory}' contains FinGuard.sln.");
    }

    private static string FindAzuriteEntry()
    {
        var entry = Path.Combine(FindRepositoryRoot(), "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(entry))
        {
            throw new InvalidOperationException(
                $"Azurite is not installed ('{entry}' is missing): run npm ci first, in the repository root.");
        }

        return entry;
    }

    private async Task StartProcessAsync(string entry)
    {
        lock (_output)
        {
            _output.Clear();
        }

        var startInfo = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _location,
        };
        foreach (var argument in new[]
                 {
                     entry, "--silent", "--skipApiVersionCheck", "--loose", "--disableProductStyleUrl", "--disableTelemetry",
                     "--location", _location!,
                     "--blobHost", "127.0.0.1", "--blobPort", Port(BlobPort),
                     "--queueHost", "127.0.0.1", "--queuePort", Port(QueuePort),
                     "--tableHost", "127.0.0.1", "--tablePort", Port(TablePort),
                 })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var stopwatch = Stopwatch.StartNew();
        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException("Could not start 'node' for Azurite; is Node.js (20+) on PATH?", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var deadline = new CancellationTokenSource(StartTimeout);
        try
        {
            while (true)
            {
                if (process.HasExited)
                {
                    await process.WaitForExitAsync(CancellationToken.None); // flush the output readers
                    throw new AzuriteStartException(
                        $"Azurite exited with code {process.ExitCode} before listening. Output:{Environment.NewLine}{Output}");
                }

                if (await AcceptsAsync(BlobPort, deadline.Token)
                    && await AcceptsAsync(QueuePort, deadline.Token)
                    && await AcceptsAsync(TablePort, deadline.Token))
                {
                    LastStartDuration = stopwatch.Elapsed;
                    return;
                }

                await Task.Delay(100, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            KillTree(process);
            throw new AzuriteStartException(
                $"Azurite did not listen on ports {BlobPort}/{QueuePort}/{TablePort} within {StartTimeout.TotalSeconds:0} s. Output:{Environment.NewLine}{Output}");
        }
        catch
        {
            KillTree(process);
            process.Dispose();
            _process = null;
            throw;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static (int Blob, int Queue, int Table) FreePorts()
    {
        // Hold all three listeners at once so the three ports differ.
        var listeners = Enumerable.Range(0, 3).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            foreach (var listener in listeners)
            {
                listener.Start();
            }

            var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
            return (ports[0], ports[1], ports[2]);
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
                listener.Dispose();
            }
        }
    }

    private static void KillTree(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private string BuildConnectionString() =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint={Endpoint(BlobPort)};QueueEndpoint={Endpoint(QueuePort)};TableEndpoint={Endpoint(TablePort)};";

    private static Uri Endpoint(int port) => new($"http://127.0.0.1:{Port(port)}/{AccountName}");

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private sealed class AzuriteStartException(string message) : Exception(message);

    private static class NativeMethods
    {
        public const int SigTerm = 15;

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int kill(int pid, int sig);
    }
}
