namespace KafkaTyped.Serialization;

/// <summary>An Avro value could not be written or read: the message names the type, the member and what was wrong.</summary>
public sealed class AvroSerializationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AvroSerializationException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What was wrong.</param>
    public AvroSerializationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What was wrong.</param>
    /// <param name="innerException">The cause.</param>
    public AvroSerializationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
