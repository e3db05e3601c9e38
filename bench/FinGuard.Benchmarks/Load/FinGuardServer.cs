using FinGuard.Hosting;
using FinGuard.Processing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace FinGuard.Benchmarks.Load;

/// <summary>
/// The real FinGuard application (<see cref="FinGuardApp.Build"/>, as <c>finguard serve</c> builds it) on loopback
/// Kestrel with an ephemeral port and the local-folder storage backend in a fresh temporary folder, deleted on dispose.
/// </summary>
public sealed class FinGuardServer : IAsyncDisposable
{
    public const string WebhookSecret = "bench-webhook-secret-5b1d";

    private readonly WebApplication app;

    private FinGuardServer(WebApplication app, Uri baseAddress, string storagePath)
    {
        this.app = app;
        BaseAddress = baseAddress;
        StoragePath = storagePath;
    }

    public Uri BaseAddress { get; }

    public string StoragePath { get; }

    public IServiceProvider Services => app.Services;

    /// <param name="settings">Extra configuration switches (e.g. <c>GitHub:ApiBaseUrl</c>).</param>
    /// <param name="idleWorker">
    /// True: deliveries are stored in the inbox and acknowledged exactly as in production, but not handed to the
    /// background worker (the dispatcher is replaced by one that does nothing), so the worker stays idle and the run
    /// measures ingestion alone.
    /// </param>
    /// <param name="storageParent">Folder to create the store in; null: the system temporary folder.</param>
    public static async Task<FinGuardServer> StartAsync(IReadOnlyDictionary<string, string> settings, bool idleWorker, string? storageParent = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var storagePath = storageParent is null
            ? Directory.CreateTempSubdirectory("finguard-bench-").FullName
            : Directory.CreateDirectory(Path.Combine(storageParent, $"finguard-bench-{Guid.NewGuid():N}")).FullName;
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Storage:LocalPath"] = storagePath,
            ["GitHub:WebhookSecret"] = WebhookSecret,

            // Information-level logs (one line per delivery) would measure the console, not FinGuard.
            ["Logging:LogLevel:Default"] = "Warning",

            // The start-up hint about missing App credentials is expected for the ingestion run.
            ["Logging:LogLevel:FinGuard.Setup"] = "Error",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        var app = FinGuardApp.Build(
            [.. all.Select(s => $"--{s.Key}={s.Value}")],
            builder =>
            {
                if (idleWorker)
                {
                    builder.Services.AddSingleton<IDeliveryDispatcher, NoDispatch>();
                }
            });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new FinGuardServer(app, new Uri(address.TrimEnd('/') + "/"), storagePath);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        Stores.Enqueue(StoragePath);
    }

    private static readonly System.Collections.Concurrent.ConcurrentQueue<string> Stores = new();

    /// <summary>
    /// Deletes the stores of every server this process started. Called once, after the last measurement: deleting a
    /// store of tens of thousands of files between phases made the next phase slower on ext4 without a journal, which
    /// has every new file skip the inodes freed in the last one to five minutes (bench/README.md).
    /// </summary>
    public static int DeleteStores()
    {
        var deleted = 0;
        while (Stores.TryDequeue(out var path))
        {
            try
            {
                Directory.Delete(path, recursive: true);
                deleted++;
            }
            catch (IOException)
            {
                // Best effort: a benchmark's scratch folder.
            }
        }

        return deleted;
    }

    private sealed class NoDispatch : IDeliveryDispatcher
    {
        public Task DispatchAsync(string deliveryId, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
