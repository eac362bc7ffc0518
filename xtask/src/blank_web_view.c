/* The engine alone, for `cargo xtask bench app`: a WebKitGTK web view in a GTK window the
 * size of the app's, showing one line of text, and nothing else. Its memory, measured as the
 * app's is, is the floor under any app built on this engine on this machine. */
#include <gtk/gtk.h>
#include <webkit2/webkit2.h>

int main(int argc, char **argv) {
    gtk_init(&argc, &argv);
    GtkWidget *window = gtk_window_new(GTK_WINDOW_TOPLEVEL);
    gtk_window_set_default_size(GTK_WINDOW(window), 1280, 800);
    GtkWidget *view = webkit_web_view_new();
    gtk_container_add(GTK_CONTAINER(window), view);
    webkit_web_view_load_html(WEBKIT_WEB_VIEW(view),
                              "<!doctype html><title>OVO Back Office</title><p>OVO Back Office</p>",
                              NULL);
    g_signal_connect(window, "destroy", G_CALLBACK(gtk_main_quit), NULL);
    gtk_widget_show_all(window);
    gtk_main();
    return 0;
}
