using System.Text.Json.Serialization;
using FinGuard.Core.Evidence;

namespace FinGuard.Storage.Local;

/// <summary>Source-generated JSON for the local backend's index rows and delivery state files.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    WriteIndented = false)]
[JsonSerializable(typeof(EvidenceIndexEntry))]
[JsonSerializable(typeof(LocalDeliveryDocument))]
[JsonSerializable(typeof(FinGuard.Core.Deliveries.QuarantinedDelivery))]
internal sealed partial class LocalStorageJsonContext : JsonSerializerContext;
