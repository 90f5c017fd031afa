document.title = "kit";
