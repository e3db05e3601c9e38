using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FinGuard.Telemetry;

public static class TelemetryServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="FinGuardTelemetry"/> (once, whichever project's <c>AddXxx</c> asks first) and the
    /// <see cref="System.Diagnostics.Metrics.IMeterFactory"/> it needs. Exporting is the host's business.
    /// </summary>
    public static IServiceCollection AddFinGuardTelemetry(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMetrics();
        services.TryAddSingleton<FinGuardTelemetry>();
        return services;
    }
}
