using FinGuard.Evidence.TreeHeads;
using FinGuard.Functions;
using FinGuard.Storage;
using FinGuard.Storage.Evidence;
using Microsoft.Extensions.Options;

namespace FinGuard.Evidence;

public static class EvidenceServiceCollectionExtensions
{
    /// <summary>
    /// <c>FinGuard:Mode</c> and its start-up check (register before anything that writes evidence, so the check runs
    /// first), the mode records state, and the daily checkpoint (<see cref="CheckpointWriter"/>, timer job
    /// <see cref="DailyCheckpointJob"/>).
    /// </summary>
    public static IServiceCollection AddFinGuardEvidence(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<FinGuardModeOptions>()
            .Bind(configuration.GetSection(FinGuardModeOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<EvidenceModeState>();
        // One instance: `finguard serve` runs the check before starting the host (to refuse with a message, not a
        // stack trace), and the hosted service then reuses its decision.
        services.AddSingleton<EvidenceModeStartupCheck>();
        services.AddHostedService(sp => sp.GetRequiredService<EvidenceModeStartupCheck>());
        services.AddSingleton(sp => CheckpointChainCatalog.Create(sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        services.AddSingleton<CheckpointWriter>();
        services.AddSingleton<IScheduledJob, DailyCheckpointJob>();
        services.AddFinGuardTreeHeads(configuration);
        return services;
    }
}
