using FinGuard.Storage;
using FinGuard.Storage.Azure;
using Microsoft.Extensions.Options;

namespace FinGuard.Evidence;

/// <summary>
/// Start-up check of <c>FinGuard:Mode</c>, run before the delivery worker and before Kestrel listens (hosted services
/// start in registration order, and the server after them):
/// <list type="bullet">
/// <item><b>development</b>: nothing to verify; every record states <c>"mode": "development"</c>.</item>
/// <item><b>production + local folder</b>: refuse to start — a folder is never write-once.</item>
/// <item><b>production + Azure</b>: read the evidence container's properties (<see cref="EvidenceImmutabilityVerifier"/>);
/// refuse to start unless it has version-level immutability or a container-level time-based retention policy;
/// otherwise records state <c>"mode": "production"</c>.</item>
/// </list>
/// Refusing means <see cref="StartAsync"/> throws <see cref="EvidenceModeException"/>, so the host does not start.
/// The decision is made once per instance: <c>finguard serve</c> calls <see cref="StartAsync"/> before starting the host
/// (so that it can refuse with a message instead of the host's stack trace), and the hosted service reuses it.
/// </summary>
public sealed partial class EvidenceModeStartupCheck(
    IOptions<FinGuardModeOptions> mode,
    IOptions<StorageOptions> storage,
    EvidenceModeState state,
    IServiceProvider services,
    ILogger<EvidenceModeStartupCheck> logger) : IHostedService
{
    private readonly Lock _lock = new();
    private Task<(bool Allowed, string Message)>? _decision;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Task<(bool Allowed, string Message)> decision;
        lock (_lock)
        {
            decision = _decision ??= DecideAndLogAsync(cancellationToken);
        }

        var (allowed, message) = await decision.WaitAsync(cancellationToken);
        if (!allowed)
        {
            throw new EvidenceModeException(message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<(bool Allowed, string Message)> DecideAndLogAsync(CancellationToken cancellationToken)
    {
        var (allowed, message) = await DecideAsync(mode.Value, storage.Value, services, cancellationToken);
        if (allowed)
        {
            LogMode(state.Current, message);
        }
        else
        {
            LogRefused(message);
        }

        return (allowed, message);
    }

    /// <summary>
    /// The decision for a mode and a storage configuration. Verifies the Azure container only in production mode; on
    /// success in production, switches <see cref="EvidenceModeState"/> to production.
    /// </summary>
    internal async Task<(bool Allowed, string Message)> DecideAsync(
        FinGuardModeOptions modeOptions, StorageOptions storageOptions, IServiceProvider provider, CancellationToken cancellationToken)
    {
        if (!modeOptions.IsProduction)
        {
            return (true, "FinGuard:Mode is development; every evidence record states \"mode\": \"development\".");
        }

        if (!storageOptions.UsesAzure)
        {
            return (false,
                "FinGuard:Mode is production, but evidence would be written to the local folder "
                + $"'{storageOptions.LocalPath}', which is never write-once (WORM). Configure Azure Blob storage with an immutable "
                + "evidence container (Storage:BlobServiceUri and Storage:TableServiceUri, or Storage:ConnectionString; see "
                + "docs/evidence.md), or set FinGuard:Mode=development.");
        }

        var verifier = provider.GetService<EvidenceImmutabilityVerifier>() ?? EvidenceImmutabilityVerifier.Create(storageOptions);
        var report = await verifier.VerifyAsync(cancellationToken);
        var (allowed, message) = Decide(report);
        if (allowed)
        {
            state.EnterProduction(report);
        }

        return (allowed, message);
    }

    /// <summary>The production decision for a verification report.</summary>
    internal static (bool Allowed, string Message) Decide(EvidenceImmutabilityReport report) => report.Immutable
        ? (true, $"FinGuard:Mode is production: {report.Detail}.")
        : (false, $"FinGuard:Mode is production, but the evidence container is not verified write-once (WORM): {report.Detail}. "
            + "FinGuard refuses to start rather than write evidence that could be changed or deleted. See docs/evidence.md, "
            + "or set FinGuard:Mode=development.");

    [LoggerMessage(EventId = 5001, Level = LogLevel.Critical, Message = "Refusing to start: {Reason}")]
    private partial void LogRefused(string reason);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Evidence mode {Mode}: {Detail}")]
    private partial void LogMode(string mode, string detail);
}
