using FinGuard.Core.Evidence;
using FinGuard.Functions;
using Microsoft.Extensions.Options;

namespace FinGuard.Evidence.TreeHeads;

public static class TreeHeadServiceCollectionExtensions
{
    /// <summary>
    /// <c>TreeHeads</c>: the signing key (<see cref="LocalTreeHeadSigner"/>, loaded or created on first use, not at
    /// start-up), the optional RFC 3161 authority, <see cref="TreeHeadWriter"/> and the hourly <see cref="TreeHeadJob"/>.
    /// </summary>
    public static IServiceCollection AddFinGuardTreeHeads(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TreeHeadOptions>().Bind(configuration.GetSection(TreeHeadOptions.SectionName));
        services.AddSingleton<ITreeHeadSigner, LocalTreeHeadSigner>();
        services.AddHttpClient(TreeHeadTimestamper.HttpClientName);
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<TreeHeadOptions>>().Value;
            var timestamper = options.TimestampAuthorityUrl is { } url
                ? new TreeHeadTimestamper(sp.GetRequiredService<IHttpClientFactory>().CreateClient(TreeHeadTimestamper.HttpClientName), url)
                : null;
            return new TreeHeadWriter(
                sp.GetRequiredService<IEvidenceStore>(),
                sp.GetRequiredService<Storage.Evidence.ICheckpointChainCatalog>(),
                sp.GetRequiredService<ITreeHeadSigner>(),
                sp.GetRequiredService<EvidenceModeState>(),
                sp.GetRequiredService<TimeProvider>(),
                timestamper);
        });
        services.AddSingleton<IScheduledJob, TreeHeadJob>();
        return services;
    }
}
