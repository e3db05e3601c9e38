namespace FinGuard.Processing;

public static class ProcessingServiceCollectionExtensions
{
    /// <summary>The delivery queue, the background worker and the event handlers.</summary>
    public static IServiceCollection AddFinGuardProcessing(this IServiceCollection services)
    {
        services.AddSingleton<DeliveryChannel>();
        services.AddTransient<PullRequestEvaluationService>();
        services.AddTransient<IDeliveryHandler, PullRequestDeliveryHandler>();
        services.AddSingleton<DeliveryWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryWorker>());
        return services;
    }
}
