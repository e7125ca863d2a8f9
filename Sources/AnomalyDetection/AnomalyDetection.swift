// AnomalyDetection
