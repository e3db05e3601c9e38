using System.Text.Json;
using FinGuard.Functions;

namespace FinGuard.Tests.Functions;

/// <summary>The forms a <c>deliveries</c> queue message can take as the queue trigger binds it.</summary>
public sealed class DeliveryQueueMessageTests
{
    private const string Id = "72d3162e-cc78-11e3-81ab-4c9367dc0958";

    [Theory]
    [InlineData("\"72d3162e-cc78-11e3-81ab-4c9367dc0958\"")]
    [InlineData("\" 72d3162e-cc78-11e3-81ab-4c9367dc0958 \"")]
    [InlineData("\"{\\\"deliveryId\\\":\\\"72d3162e-cc78-11e3-81ab-4c9367dc0958\\\"}\"")]
    [InlineData("\"\\\"72d3162e-cc78-11e3-81ab-4c9367dc0958\\\"\"")]
    [InlineData("{\"deliveryId\":\"72d3162e-cc78-11e3-81ab-4c9367dc0958\"}")]
    [InlineData("{\"DeliveryId\":\"72d3162e-cc78-11e3-81ab-4c9367dc0958\",\"event\":\"pull_request\"}")]
    public void Reads_the_delivery_id(string data)
    {
        using var json = JsonDocument.Parse(data);

        Assert.True(DeliveryQueueMessage.TryReadDeliveryId(json.RootElement, out var id, out var problem), problem);
        Assert.Equal(Id, id);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"../../etc/passwd\"")]
    [InlineData("\"{not json\"")]
    [InlineData("{\"event\":\"ping\"}")]
    [InlineData("42")]
    [InlineData("null")]
    public void Refuses_anything_else(string data)
    {
        using var json = JsonDocument.Parse(data);

        Assert.False(DeliveryQueueMessage.TryReadDeliveryId(json.RootElement, out _, out var problem));
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Theory]
    [InlineData("72d3162e-cc78-11e3-81ab-4c9367dc0958")]
    [InlineData(" 72d3162e-cc78-11e3-81ab-4c9367dc0958\n")]
    [InlineData("{\"deliveryId\":\"72d3162e-cc78-11e3-81ab-4c9367dc0958\"}")]
    public void Reads_the_delivery_id_from_the_message_text(string text)
    {
        Assert.True(DeliveryQueueMessage.TryReadDeliveryId(text, out var id, out var problem), problem);
        Assert.Equal(Id, id);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not a delivery id!")]
    [InlineData("{\"event\":\"ping\"}")]
    public void Refuses_any_other_message_text(string? text)
    {
        Assert.False(DeliveryQueueMessage.TryReadDeliveryId(text, out _, out var problem));
        Assert.False(string.IsNullOrEmpty(problem));
    }
}
