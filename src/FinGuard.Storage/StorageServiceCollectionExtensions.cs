using FinGuard.Core.Deliveries;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Evidence;
using FinGuard.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FinGuard.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IEvidenceStore"/>, <see cref="IDeliveryInbox"/>, <see cref="IStorageHealth"/> and <see cref="Deployments.IDeploymentRequests"/> for the
    /// backend configured in the <c>Storage</c> section: Azure when a connection string or service URIs are set,
    /// otherwise the local folder. Options are validated on start. <paramref name="access"/>
    /// <see cref="StorageAccess.ReadOnly"/> is for commands that only read: nothing is created, and a missing container or
    /// table is reported as <see cref="StorageResourceMissingException"/>. Evidence appends are timed (<see cref="TimedEvidenceStore"/>).
    /// </summary>
    public static IServiceCollection AddFinGuardStorage(this IServiceCollection services, IConfiguration configuration, StorageAccess access = StorageAccess.ReadWrite)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<StorageOptions>()
            .Bind(configuration.GetSection(StorageOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(
                o => !string.IsNullOrWhiteSpace(o.ConnectionString) || (o.BlobServiceUri is null) == (o.TableServiceUri is null),
                $"{StorageOptions.SectionName}:{nameof(StorageOptions.BlobServiceUri)} and {nameof(StorageOptions.TableServiceUri)} must be set together.")
            .ValidateOnStart();

        services.AddSingleton(sp => StorageBackend.Create(
            sp.GetRequiredService<IOptions<StorageOptions>>().Value,
            sp.GetService<ILoggerFactory>(),
            access,
            sp.GetService<FinGuardTelemetry>()));
        services.AddFinGuardTelemetry();
        services.AddSingleton<IEvidenceStore>(sp => new TimedEvidenceStore(
            sp.GetRequiredService<StorageBackend>().Evidence,
            sp.GetRequiredService<FinGuardTelemetry>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton(sp => sp.GetRequiredService<StorageBackend>().Inbox);
        services.AddSingleton(sp => sp.GetRequiredService<StorageBackend>().Health);
        services.AddSingleton(sp => sp.GetRequiredService<StorageBackend>().DeploymentRequests);
        services.AddSingleton(sp => sp.GetRequiredService<StorageBackend>().JobState);
        services.AddSingleton(sp => sp.GetRequiredService<StorageBackend>().HeadPushes);
        return services;
    }
}
