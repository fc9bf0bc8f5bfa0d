module example.com/churn-trainer

go 1.22
