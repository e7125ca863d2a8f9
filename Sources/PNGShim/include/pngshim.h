int pngshim_dummy(void);
