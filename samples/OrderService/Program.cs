Console.WriteLine("OrderService: not yet implemented.");
