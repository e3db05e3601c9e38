namespace FinGuard.Processing;

public static class ProcessingServiceCollectionExtensions
{
    /// <summary>The delivery queue, the background worker and the event handlers.</summary>
    public static IServiceCollection AddFinGuardProcessing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProcessingOptions>()
            .Bind(configuration.GetSection(ProcessingOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.UsesQueue || string.Equals(o.Dispatch, ProcessingOptions.InProcess, StringComparison.OrdinalIgnoreCase),
                $"{ProcessingOptions.SectionName}:Dispatch must be '{ProcessingOptions.InProcess}' or '{ProcessingOptions.AzureQueue}'.")
            .ValidateOnStart();
        services.AddSingleton<DeliveryChannel>();
        services.AddSingleton<IDeliveryDispatcher>(sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ProcessingOptions>>().Value.UsesQueue
            ? ActivatorUtilities.CreateInstance<QueueDeliveryDispatcher>(sp)
            : ActivatorUtilities.CreateInstance<InProcessDeliveryDispatcher>(sp));
        services.AddTransient<PullRequestEvaluationService>();
        services.AddTransient<IDeliveryHandler, PullRequestDeliveryHandler>();
        services.AddTransient<MergeGroupService>();
        services.AddTransient<IDeliveryHandler, MergeGroupDeliveryHandler>();
        services.AddFinGuardDeploymentGate();
        services.AddOptions<ExceptionSurfacingOptions>()
            .Bind(configuration.GetSection(ExceptionSurfacingOptions.SectionName))
            .Validate(o => o.Surface is ExceptionSurfacingOptions.CheckRun or ExceptionSurfacingOptions.None,
                $"{ExceptionSurfacingOptions.SectionName}:Surface must be '{ExceptionSurfacingOptions.CheckRun}' or '{ExceptionSurfacingOptions.None}'.")
            .ValidateOnStart();
        services.AddTransient<ExceptionSurfacing>();
        services.AddTransient<Webhooks.DeliveryReuseRecorder>();
        services.AddTransient<ChangeObservationService>();
        services.AddTransient<IDeliveryHandler, ChangeDeliveryHandler>();
        services.AddSingleton<DeliveryWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryWorker>());
        return services;
    }

    /// <summary>Real timer jobs; registered after the Functions placeholders so they replace them.</summary>
    public static IServiceCollection AddFinGuardScheduledJobs(this IServiceCollection services)
    {
        services.AddSingleton<IRedeliverySweepState, StoredRedeliverySweepState>();
        services.AddSingleton<Functions.IScheduledJob, PendingDeliverySweepJob>();
        services.AddSingleton<IFreezeWindowEdgesState, StoredFreezeWindowEdgesState>();
        services.AddSingleton<Functions.IScheduledJob, FreezeWindowEdgesJob>();
        return services;
    }
}
