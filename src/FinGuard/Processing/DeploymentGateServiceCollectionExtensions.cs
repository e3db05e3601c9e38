using FinGuard.GitHub.Deployments;

namespace FinGuard.Processing;

public static class DeploymentGateServiceCollectionExtensions
{
    /// <summary>The deployment gate: its GitHub loader and client, the gate service, its per-request locks and its delivery handler.</summary>
    public static IServiceCollection AddFinGuardDeploymentGate(this IServiceCollection services)
    {
        services.AddTransient<DeploymentFactsLoader>();
        services.AddTransient<DeploymentProtectionRuleClient>();
        services.AddSingleton<DeploymentRequestLocks>();
        services.AddTransient<DeploymentGateService>();
        services.AddTransient<IDeliveryHandler, DeploymentDeliveryHandler>();
        return services;
    }
}
