// Fractals
